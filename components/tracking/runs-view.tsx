"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import type { RunSummary } from "@/server/trpc/routers/tracking";
import { columnIdentifier, formatEpoch, formatMetric, formatRunDuration, RunStatusBadge } from "./run-bits";

const PAGE = 500;
const ROW_HEIGHT = 34;

/** Fixed columns: id, header, width, cell, and the attribute they sort on. */
const BASE_COLUMNS: { id: string; title: string; width: string; sort?: string; cell: (r: RunSummary) => React.ReactNode }[] = [
  { id: "a:run_name", title: "Run", width: "minmax(180px, 2fr)", sort: "a:run_name", cell: (r) => <Link href={`/runs/${r.runId}`} data-testid="run-name">{r.runName}</Link> },
  { id: "a:status", title: "Status", width: "100px", sort: "a:status", cell: (r) => <RunStatusBadge status={r.status} /> },
  { id: "a:start_time", title: "Started", width: "160px", sort: "a:start_time", cell: (r) => formatEpoch(r.startTime) },
  { id: "duration", title: "Duration", width: "110px", cell: (r) => formatRunDuration(r.startTime, r.endTime, r.status === "RUNNING") },
];

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

  const [selected, setSelected] = useState<string[]>([]);
  const toggleRun = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (lastIndex >= rows.length - 50 && runs.hasNextPage && !runs.isFetchingNextPage) void runs.fetchNextPage();
  }, [lastIndex, rows.length, runs]);

  const columns = [
    ...BASE_COLUMNS,
    ...cols.map((c) => ({
      id: c,
      title: c.slice(2),
      width: "minmax(110px, 1fr)",
      sort: c,
      cell: (r: RunSummary) => (c.startsWith("m:") ? formatMetric(r.metrics[c.slice(2)]) : (r.params[c.slice(2)] ?? "–")),
    })),
  ];
  const grid = `36px ${columns.map((c) => c.width).join(" ")}`;
  const minWidth = 36 + 180 + 100 + 160 + 110 + cols.length * 110;

  const clickSort = (id: string) => {
    // asc → desc → off
    const next = sortCol !== id ? `${id}:asc` : sortDesc ? "" : `${id}:desc`;
    setParams({ sort: next || null });
  };
  const allVisibleSelected = rows.length > 0 && rows.every((r) => selected.includes(r.runId));

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
            disabled={selected.length < 2}
            onClick={() => router.push(`/compare?runs=${selected.map(encodeURIComponent).join(",")}`)}
            title="Select two or more runs"
          >
            Compare ({selected.length})
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
                onChange={() => setSelected(allVisibleSelected ? [] : rows.map((r) => r.runId))}
              />
            </div>
            {columns.map((c) => (
              <div key={c.id} className={c.id.startsWith("m:") ? "trk-num" : undefined} title={c.title}>
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
          <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth }}>
            {items.map((item) => {
              const r = rows[item.index];
              const isSel = selected.includes(r.runId);
              return (
                <div
                  key={r.runId}
                  className={`trk-row trk-body-row${isSel ? " selected" : ""}`}
                  data-testid="run-row"
                  data-run-id={r.runId}
                  style={{ gridTemplateColumns: grid, position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
                >
                  <div>
                    <input type="checkbox" aria-label={`Select ${r.runName}`} checked={isSel} onChange={() => toggleRun(r.runId)} />
                  </div>
                  {columns.map((c) => (
                    <div key={c.id} data-col={c.id} className={c.id.startsWith("m:") ? "trk-num" : c.id.startsWith("p:") ? "mono" : undefined}>
                      {c.cell(r)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
          {runs.data && rows.length === 0 ? <p className="muted" style={{ padding: 12 }}>No runs match.</p> : null}
        </div>
      </section>
    </div>
  );
}
