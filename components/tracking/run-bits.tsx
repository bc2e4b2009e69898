import type { JsonNumber } from "@/server/trpc/routers/tracking";
import { formatNumber } from "@/components/charts/series";

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge trk-status-${status.toLowerCase()}`} data-status={status}>
      {status}
    </span>
  );
}

export function formatEpoch(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function formatRunDuration(start: number | null, end: number | null, running = false): string {
  if (start === null) return "–";
  if (end === null && !running) return "–";
  const ms = (end ?? Date.now()) - start;
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatMetric(v: JsonNumber | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  return formatNumber(v);
}

/** MLflow order_by / filter identifier for a column id `m:key`, `p:key`, `a:start_time`. */
export function columnIdentifier(col: string): string {
  const kind = col.slice(0, 2);
  const key = col.slice(2);
  if (kind === "m:") return `metrics.\`${key}\``;
  if (kind === "p:") return `params.\`${key}\``;
  if (kind === "t:") return `tags.\`${key}\``;
  return `attributes.${key}`;
}
