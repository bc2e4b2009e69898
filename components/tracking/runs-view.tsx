"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import type { RunSummary } from "@/server/trpc/routers/tracking";
import { columnIdentifier, formatEpoch, formatMetric, formatRunDuration, RunStatusBadge } from "./run-bits";

const PAGE = 500;
const ROW_HEIGHT = 34;

/** A table column: id, header, width, cell, and the attribute it sorts on. */
type Column = { id: string; title: string; width: string; sort?: string; className?: string; cell: (r: RunSummary) => React.ReactNode };

/** Fixed columns. */
const BASE_COLUMNS: Column[] = [
  { id: "a:run_name", title: "Run", width: "minmax(180px, 2fr)", sort: "a:run_name", cell: (r) => (
      // No viewport prefetch: scrolling would request every run page that passes by.
      <Link href={`/runs/${r.runId}`} prefetch={false} data-testid="run-name">
        {r.runName}
      </Link>
    ),
  },
  { id: "a:status", title: "Status", width: "100px", sort: "a:status", cell: (r) => <RunStatusBadge status={r.status} /> },
  { id: "a:start_time", title: "Started", width: "160px", sort: "a:start_time", cell: (r) => formatEpoch(r.startTime) },
  { id: "duration", title: "Duration", width: "110px", cell: (r) => formatRunDuration(r.startTime, r.endTime, r.status === "RUNNING") },
];

/** A chosen param (p:) or metric (m:) column. */
function chosenColumn(c: string): Column {
  const key = c.slice(2);
  return c.startsWith("m:")
    ? { id: c, title: key, width: "minmax(110px, 1fr)", sort: c, className: "trk-num", cell: (r) => formatMetric(r.metrics[key]) }
    : { id: c, title: key, width: "minmax(110px, 1fr)", sort: c, className: "mono", cell: (r) => r.params[key] ?? "–" };
}

type RowProps = { run: RunSummary; columns: Column[]; grid: string; top: number; selected: boolean; onToggle: (runId: string) => void };

/**
 * One table row. Memoised on its props (all stable while scrolling), so a scroll frame renders only
 * the rows that enter the window.
 */
const RunRow = memo(function RunRow({ run, columns, grid, top, selected, onToggle }: RowProps) {
  return (
    <div
      className={`trk-row trk-body-row${selected ? " selected" : ""}`}
      data-testid="run-row"
      data-run-id={run.runId}
      style={{ gridTemplateColumns: grid, position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${top}px)` }}
    >
      <div>
        <input type="checkbox" aria-label={`Select ${run.runName}`} checked={selected} onChange={() => onToggle(run.runId)} />
      </div>
      {columns.map((c) => (
        <div key={c.id} data-col={c.id} className={c.className}>
          {c.cell(run)}
        </div>
      ))}
    </div>
  );
});

type BodyProps = {
  rows: RunSummary[];
  columns: Column[];
  grid: string;
  minWidth: number;
  selected: ReadonlySet<string>;
  onToggle: (runId: string) => void;
  scrollRef: React.RefObject<HTMLDivElement | null>;
  /** Called with the index of the last rendered row (to load the next page in time). */
  onWindow: (lastIndex: number) => void;
};

/**
 * The virtualised rows. The virtualiser's scroll state lives here, so scrolling re-renders this
 * component (and the rows that enter), not the toolbar, sidebar and header around it.
 */
function RunsBody({ rows, columns, grid, minWidth, selected, onToggle, scrollRef, onWindow }: BodyProps) {
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => onWindow(lastIndex), [lastIndex, onWindow]);
  return (
    <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth }}>
      {items.map((item) => {
        const r = rows[item.index];
        return <RunRow key={r.runId} run={r} columns={columns} grid={grid} top={item.start} selected={selected.has(r.runId)} onToggle={onToggle} />;
      })}
    </div>
  );
}

function parseCols(text: string | null): string[] {
  return (text ?? "").split(",").filter((c) => /^[mp]:./.test(c));
}

function ColumnPicker({ available, chosen, onChange }: { available: { params: string[]; metrics: string[] } | undefined; chosen: string[]; onChange: (cols: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState("");
  const q = search.trim().toLowerCase();
  const toggle = (id: string) => onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const list = (kind: "m" | "p", keys: string[]) =>
    keys
      .filter((k) => !q || k.toLowerCase().includes(q))
      .slice(0, 300)
      .map((k) => (
        <label key={k}>
          <input type="checkbox" checked={chosen.includes(`${kind}:${k}`)} onChange={() => toggle(`${kind}:${k}`)} /> <span className="mono">{k}</span>
        </label>
      ));
  return (
    <div className="trk-columns">
      <button onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="columns-button">
        Columns ({chosen.length})
      </button>
      {open ? (
        <div className="trk-columns-panel" data-testid="columns-panel">
          <input type="search" placeholder="Search params and metrics…" value={search} onChange={(e) => setSearch(e.target.value)} autoFocus />
          <h3>Metrics</h3>
          {available ? list("m", available.metrics) : <p className="muted">Loading…</p>}
          <h3>Params</h3>
          {available ? list("p", available.params) : null}
        </div>
      ) : null}
    </div>
  );
}

/**
 * Runs of the chosen experiments: MLflow search filter, sort by any column, chosen param/metric
 * columns, a virtualised table (loads pages of 500 while scrolling), multi-select to compare.
 * Experiment, filter, sort and columns live in the URL.
 */
export function RunsView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const experiment = params.get("experiment") ?? "";
  const filter = params.get("filter") ?? "";
  const sort = params.get("sort") ?? ""; // e.g. "m:val/loss:desc"
  const colsParam = params.get("cols");
  const experimentIds = useMemo(() => experiment.split(",").filter((e) => /^\d+$/.test(e)), [experiment]);

  const setParams = (changes: Record<string, string | null>) => {
    // From the address bar, not the render's snapshot, so quick successive changes all stick.
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`);
  };

  const experiments = useQuery(trpc.tracking.experiments.queryOptions());
  const available = useQuery({ ...trpc.tracking.runColumns.queryOptions({ experimentIds }), staleTime: 30_000 });
  // Without chosen columns: the first few metrics, preferring top-level keys (losses) over per-variable ones.
  const cols = useMemo(() => {
    if (colsParam !== null) return parseCols(colsParam);
    const metrics = available.data?.metrics ?? [];
    return [...metrics.filter((k) => !k.includes("/")), ...metrics.filter((k) => k.includes("/"))].slice(0, 3).map((k) => `m:${k}`);
  }, [colsParam, available.data]);

  const sortCol = sort ? sort.replace(/:(asc|desc)$/, "") : "";
  const sortDesc = sort.endsWith(":desc");
  const orderBy = sortCol ? [`${columnIdentifier(sortCol)} ${sortDesc ? "DESC" : "ASC"}`] : [];
  const paramKeys = cols.filter((c) => c.startsWith("p:")).map((c) => c.slice(2));
  const metricKeys = cols.filter((c) => c.startsWith("m:")).map((c) => c.slice(2));

  const runs = useInfiniteQuery({
    ...trpc.tracking.runs.infiniteQueryOptions(
      { experimentIds, filter, orderBy, paramKeys, metricKeys, limit: PAGE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined, initialCursor: 0 },
    ),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.runs) ?? [], [runs.data]);

  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const toggleRun = useCallback(
    (id: string) =>
      setSelected((s) => {
        const next = new Set(s);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = runs;
  const onWindow = useCallback(
    (lastIndex: number) => {
      if (lastIndex >= rows.length - 50 && hasNextPage && !isFetchingNextPage) void fetchNextPage();
    },
    [rows.length, hasNextPage, isFetchingNextPage, fetchNextPage],
  );

  const columns = useMemo(() => [...BASE_COLUMNS, ...cols.map(chosenColumn)], [cols]);
  const grid = useMemo(() => `36px ${columns.map((c) => c.width).join(" ")}`, [columns]);
  const minWidth = 36 + 180 + 100 + 160 + 110 + cols.length * 110;

  const clickSort = (id: string) => {
    // asc → desc → off
    const next = sortCol !== id ? `${id}:asc` : sortDesc ? "" : `${id}:desc`;
    setParams({ sort: next || null });
  };
  const allVisibleSelected = rows.length > 0 && rows.every((r) => selected.has(r.runId));

  return (
    <div className="trk-layout">
      <aside className="trk-sidebar" data-testid="experiments">
        <h2>Experiments</h2>
        <button aria-pressed={experimentIds.length === 0} onClick={() => setParams({ experiment: null, cols: null, sort: null })}>
          <span>All experiments</span>
        </button>
        {(experiments.data ?? []).map((e) => (
          <button
            key={e.experimentId}
            data-testid="experiment-item"
            data-experiment-id={e.experimentId}
            aria-pressed={experimentIds.includes(e.experimentId)}
            onClick={() => setParams({ experiment: e.experimentId, cols: null, sort: null })}
            title={e.name}
          >
            <span>{e.name}</span>
            <span className="count">{e.runCount}</span>
          </button>
        ))}
        {experiments.error ? <div className="error-box">{experiments.error.message}</div> : null}
      </aside>
      <section style={{ minWidth: 0 }}>
        <div className="toolbar">
          <form
            className="trk-filter"
            onSubmit={(e) => {
              e.preventDefault();
              const text = String(new FormData(e.currentTarget).get("filter") ?? "");
              setParams({ filter: text.trim() || null });
            }}
          >
            <input
              name="filter"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="metrics.val_loss < 0.1 and params.`training.lr` = '0.0003' and attributes.status = 'FINISHED'"
              aria-label="Filter runs"
              data-testid="runs-filter"
              spellCheck={false}
            />
            <button type="submit">Search</button>
          </form>
          <ColumnPicker available={available.data} chosen={cols} onChange={(c) => setParams({ cols: c.join(",") })} />
          <button
            data-testid="compare-button"
            disabled={selected.size < 2}
            onClick={() => router.push(`/compare?runs=${[...selected].map(encodeURIComponent).join(",")}`)}
            title="Select two or more runs"
          >
            Compare ({selected.size})
          </button>
          <span className="muted" data-testid="runs-count">
            {runs.isFetching ? "loading…" : `${rows.length.toLocaleString()}${runs.hasNextPage ? "+" : ""} runs`}
          </span>
        </div>
        {runs.error ? (
          <pre className="error-box trk-filter-error" data-testid="filter-error">
            {runs.error.message}
          </pre>
        ) : null}
        <div className="trk-table" ref={scrollRef} data-testid="runs-table">
          <div className="trk-row trk-head" style={{ gridTemplateColumns: grid, minWidth }}>
            <div>
              <input
                type="checkbox"
                aria-label="Select all loaded runs"
                checked={allVisibleSelected}
                onChange={() => setSelected(allVisibleSelected ? new Set() : new Set(rows.map((r) => r.runId)))}
              />
            </div>
            {columns.map((c) => (
              <div key={c.id} className={c.className === "trk-num" ? "trk-num" : undefined} title={c.title}>
                {c.sort ? (
                  <button onClick={() => clickSort(c.sort as string)} data-testid={`sort-${c.id}`}>
                    {c.title}
                    {sortCol === c.id ? (sortDesc ? " ▼" : " ▲") : ""}
                  </button>
                ) : (
                  c.title
                )}
              </div>
            ))}
          </div>
          <RunsBody rows={rows} columns={columns} grid={grid} minWidth={minWidth} selected={selected} onToggle={toggleRun} scrollRef={scrollRef} onWindow={onWindow} />
          {runs.data && rows.length === 0 ? <p className="muted" style={{ padding: 12 }}>No runs match.</p> : null}
        </div>
      </section>
    </div>
  );
}
