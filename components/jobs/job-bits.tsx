import type { JobState } from "@/lib/jobs/states";

export function JobStateBadge({ state }: { state: JobState }) {
  return <span className={`badge ${state}`} data-state={state}>{state}</span>;
}

export function ProgressBar({ fraction, label }: { fraction: number; label?: string }) {
  const pct = Math.round(fraction * 100);
  return (
    <span className="progress-cell" title={label}>
      <span className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <span style={{ width: `${pct}%` }} />
      </span>{" "}
      <span className="mono">{pct}%</span>
    </span>
  );
}

export function formatTime(iso: string | null): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function formatDuration(startIso: string | null, endIso: string | null): string {
  if (!startIso) return "–";
  const ms = (endIso ? new Date(endIso).getTime() : Date.now()) - new Date(startIso).getTime();
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
