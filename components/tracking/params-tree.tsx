"use client";

import { useMemo, useState } from "react";
import type { ConfigValue } from "@/lib/config/tree";

type TreeRow = { path: string; key: string; depth: number; value: ConfigValue; branch: boolean; leaves: number };

const isMap = (v: ConfigValue): v is { [k: string]: ConfigValue } => typeof v === "object" && v !== null && !Array.isArray(v);
/** Lists of scalars read best inline; lists holding mappings or lists are expandable. */
const isBranch = (v: ConfigValue) => (isMap(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.some((x) => typeof x === "object" && x !== null));

function children(v: ConfigValue, path: string): [string, string, ConfigValue][] {
  if (Array.isArray(v)) return v.map((x, i) => [`[${i}]`, `${path}[${i}]`, x]);
  if (isMap(v)) return Object.entries(v).map(([k, x]) => [k, path ? `${path}.${k}` : k, x]);
  return [];
}

function countLeaves(v: ConfigValue): number {
  if (!isBranch(v)) return 1;
  return children(v, "").reduce((a, [, , x]) => a + countLeaves(x), 0);
}

function show(v: ConfigValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function highlight(text: string, q: string) {
  if (!q) return text;
  const i = text.toLowerCase().indexOf(q);
  if (i < 0) return text;
  return (
    <>
      {text.slice(0, i)}
      <mark>{text.slice(i, i + q.length)}</mark>
      {text.slice(i + q.length)}
    </>
  );
}

/**
 * A nested, collapsible view of a config or of unflattened params. Only expanded rows are
 * rendered; a search (on dotted paths and values) shows the matching leaves with their parents.
 */
export function ParamsTree({ value, testId = "params-tree", searchTestId = "params-search" }: { value: ConfigValue; testId?: string; searchTestId?: string }) {
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const [search, setSearch] = useState("");
  const q = search.trim().toLowerCase();

  const rows = useMemo(() => {
    const out: TreeRow[] = [];
    // With a search: which paths match (a leaf's path or value) and which branches lead there.
    const hit = new Set<string>();
    const mark = (v: ConfigValue, path: string): boolean => {
      if (!isBranch(v)) {
        const m = path.toLowerCase().includes(q) || show(v).toLowerCase().includes(q);
        if (m) hit.add(path);
        return m;
      }
      let any = path.toLowerCase().includes(q) && path !== "";
      for (const [, p, x] of children(v, path)) if (mark(x, p)) any = true;
      if (any) hit.add(path);
      return any;
    };
    if (q) mark(value, "");
    const walk = (v: ConfigValue, path: string, depth: number) => {
      for (const [key, p, x] of children(v, path)) {
        if (q && !hit.has(p)) continue;
        const branch = isBranch(x);
        out.push({ path: p, key, depth, value: x, branch, leaves: branch ? countLeaves(x) : 1 });
        if (branch && (q ? true : expanded.has(p))) walk(x, p, depth + 1);
        if (out.length > 5000) return;
      }
    };
    walk(value, "", 0);
    return out;
  }, [value, expanded, q]);

  const toggle = (path: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  return (
    <div>
      <div className="toolbar">
        <input type="search" placeholder="Search keys and values…" value={search} onChange={(e) => setSearch(e.target.value)} data-testid={searchTestId} aria-label="Search params" />
        <button onClick={() => setExpanded(new Set())}>Collapse all</button>
        <span className="muted">{countLeaves(value)} values</span>
      </div>
      <div className="trk-tree" data-testid={testId}>
        {rows.length === 0 ? <div className="trk-tree-row muted">{q ? "Nothing matches." : "Empty."}</div> : null}
        {rows.map((r) => (
          <div key={r.path} className="trk-tree-row" style={{ paddingLeft: 8 + r.depth * 16 }} data-path={r.path} data-branch={r.branch ? "true" : undefined}>
            {r.branch ? (
              <button className="toggle" onClick={() => toggle(r.path)} aria-expanded={q ? true : expanded.has(r.path)} aria-label={`Toggle ${r.path}`}>
                {q || expanded.has(r.path) ? "▾" : "▸"}
              </button>
            ) : (
              <span className="toggle" />
            )}
            <span className="key">{highlight(r.key, q)}</span>
            {r.branch ? <span className="count">{r.leaves}</span> : <span className="val">{highlight(show(r.value), q)}</span>}
          </div>
        ))}
      </div>
    </div>
  );
}
