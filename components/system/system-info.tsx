"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc";

export function useSystemInfo() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.system.info.queryOptions(), refetchInterval: 2000 });
}

export function HealthBadge({ ok }: { ok: boolean }) {
  return <span className={`badge ${ok ? "completed" : "failed"}`}>{ok ? "healthy" : "unreachable"}</span>;
}

export function SystemCards() {
  const info = useSystemInfo();
  if (info.error) return <div className="error-box">Cannot reach the Isobar server: {info.error.message}</div>;
  if (!info.data) return <p className="muted">Loading…</p>;
  const s = info.data;
  const counts = s.jobCounts;
  return (
    <div className="cards" data-testid="system-cards">
      <div className="card">
        <div className="label">Version</div>
        <div className="value">{s.version}</div>
      </div>
      <div className="card">
        <div className="label">Storage</div>
        <div className="value" data-testid="storage-mode">{s.storageMode === "embedded" ? "embedded (PGlite)" : "PostgreSQL"}</div>
      </div>
      <div className="card">
        <div className="label">Database</div>
        <div className="value">
          <HealthBadge ok={s.database.ok} /> <span className="muted">{s.database.latencyMs.toFixed(1)} ms</span>
        </div>
      </div>
      <div className="card">
        <div className="label">Job queue</div>
        <div className="value">
          <HealthBadge ok={s.queue.ok} /> <span className="muted">{s.queue.ok ? `${s.queue.queues} queues` : s.queue.error}</span>
        </div>
      </div>
      {counts
        ? (["queued", "running", "completed", "failed", "cancelled"] as const).map((state) => (
            <div className="card" key={state}>
              <div className="label">Jobs {state}</div>
              <div className="value" data-testid={`count-${state}`}>{counts[state]}</div>
            </div>
          ))
        : null}
    </div>
  );
}
