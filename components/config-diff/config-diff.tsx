"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import type { DiffNodeDto } from "@/server/trpc/routers/tracking";

export type ConfigDiffState = {
  /** Show only differing leaves (default on). */
  onlyDifferences: boolean;
  /** Case-insensitive substring of the dotted path. */
  search: string;
  /** Paths whose expansion differs from the default (so the URL stays short). */
  toggled: ReadonlySet<string>;
};

type Row = { node: DiffNodeDto; depth: number; expanded: boolean };

const ROW = 26;

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The rows visible for a state: a node is shown when it (or something below it) differs (with
 * "only differences") and matches the search; only expanded branches contribute children, so a
 * config with thousands of leaves costs only what is open. Default expansion: everything that
 * differs when showing only differences, matching branches when searching, else nothing.
 */
export function visibleRows(root: DiffNodeDto, state: ConfigDiffState): Row[] {
  const q = state.search.trim().toLowerCase();
  const matches = new Map<DiffNodeDto, boolean>();
  const hasMatch = (n: DiffNodeDto): boolean => {
    if (!q) return true;
    const cached = matches.get(n);
    if (cached !== undefined) return cached;
    const m = n.path.toLowerCase().includes(q) || (n.children ?? []).some(hasMatch);
    matches.set(n, m);
    return m;
  };
  const out: Row[] = [];
  const walk = (n: DiffNodeDto, depth: number) => {
    for (const c of n.children ?? []) {
      if (state.onlyDifferences && c.differences === 0) continue;
      if (!hasMatch(c)) continue;
      const branch = c.kind !== "leaf";
      const byDefault = branch && (q ? true : state.onlyDifferences);
      const expanded = branch && byDefault !== state.toggled.has(c.path);
      out.push({ node: c, depth, expanded });
      if (expanded) walk(c, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

/** Side-by-side config diff of 2..N runs: nested, collapsible, virtualised. */
export function ConfigDiffView({
  root,
  labels,
  state,
  onChange,
}: {
  root: DiffNodeDto;
  labels: string[];
  state: ConfigDiffState;
  onChange: (next: ConfigDiffState) => void;
}) {
  const rows = useMemo(() => visibleRows(root, state), [root, state]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 30 });
  const grid = `minmax(240px, 1.3fr) ${labels.map(() => "minmax(140px, 1fr)").join(" ")}`;
  const minWidth = 240 + labels.length * 140;
  const toggle = (path: string) => {
    const next = new Set(state.toggled);
    if (next.has(path)) next.delete(path);
    else next.add(path);
    onChange({ ...state, toggled: next });
  };

  return (
    <div data-testid="config-diff">
      <div className="toolbar">
        <label>
          <input
            type="checkbox"
            checked={state.onlyDifferences}
            onChange={(e) => onChange({ ...state, onlyDifferences: e.target.checked, toggled: new Set() })}
            data-testid="diff-only-differences"
          />{" "}
          only differences
        </label>
        <input
          type="search"
          placeholder="Search keys…"
          value={state.search}
          onChange={(e) => onChange({ ...state, search: e.target.value })}
          aria-label="Search config keys"
          data-testid="diff-search"
        />
        <button onClick={() => onChange({ ...state, toggled: new Set() })}>Reset expansion</button>
        <span className="muted">
          {root.differences} of {root.leaves} values differ
        </span>
      </div>
      <div className="trk-diff" ref={scrollRef} style={{ height: `min(60vh, ${(Math.max(rows.length, 2) + 1) * ROW + 4}px)` }}>
        <div className="trk-diff-row trk-diff-head" style={{ gridTemplateColumns: grid, minWidth }}>
          <div>key</div>
          {labels.map((l, i) => (
            <div key={i} title={l}>
              {l}
              {i === 0 ? " (baseline)" : ""}
            </div>
          ))}
        </div>
        {rows.length === 0 ? (
          <p className="muted" style={{ padding: 12 }}>
            {root.differences === 0 && state.onlyDifferences ? "The configs are identical." : "Nothing matches."}
          </p>
        ) : null}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth }}>
          {virtualizer.getVirtualItems().map((item) => {
            const { node, depth, expanded } = rows[item.index];
            const leaf = node.kind === "leaf";
            const first = node.values?.[0];
            return (
              <div
                key={node.path}
                className={`trk-diff-row${leaf && node.status !== "equal" ? ` ${node.status}` : ""}`}
                data-testid={leaf ? "diff-leaf" : "diff-node"}
                data-path={node.path}
                data-status={node.status}
                style={{ gridTemplateColumns: grid, position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
              >
                <div style={{ paddingLeft: 8 + depth * 16 }} title={node.path}>
                  {leaf ? (
                    <span className="toggle" style={{ display: "inline-block" }} />
                  ) : (
                    <button className="toggle" onClick={() => toggle(node.path)} aria-expanded={expanded} aria-label={`Toggle ${node.path}`}>
                      {expanded ? "▾" : "▸"}
                    </button>
                  )}
                  {node.key}
                  {!leaf ? (
                    <span className="muted">
                      {" "}
                      {node.differences ? `${node.differences}/${node.leaves} differ` : `${node.leaves}`}
                    </span>
                  ) : null}
                </div>
                {leaf
                  ? (node.values ?? []).map((v, i) => {
                      const text = v.present ? show(v.value) : "";
                      const differs = i > 0 && (v.present !== first?.present || show(v.value) !== show(first?.value));
                      return (
                        <div key={i} title={v.present ? `${text}${v.origin ? `\n${v.origin}` : ""}` : "absent"} className={differs ? "differs" : undefined}>
                          {v.present ? text : <span className="absent">absent</span>}
                        </div>
                      );
                    })
                  : labels.map((_, i) => <div key={i} />)}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
