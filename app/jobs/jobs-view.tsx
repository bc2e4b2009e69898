"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { JOB_STATES, type JobState } from "@/lib/jobs/states";
import { JobsTable } from "@/components/jobs/jobs-table";
import { useTRPC } from "@/components/trpc";

/** Job list with filters kept in the URL (shareable) and live progress by polling. */
export function JobsView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const state = params.get("state");
  const type = params.get("type") ?? "";
  const states = state && (JOB_STATES as readonly string[]).includes(state) ? [state as JobState] : undefined;

  const types = useQuery(trpc.jobs.types.queryOptions());
  const jobs = useQuery({
    ...trpc.jobs.list.queryOptions({ states, type: type || undefined, limit: 200 }),
    refetchInterval: 1000,
  });

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`);
  };

  return (
    <>
      <div className="toolbar">
        <label>
          State{" "}
          <select aria-label="Filter by state" value={state ?? ""} onChange={(e) => setParam("state", e.target.value)}>
            <option value="">all</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type{" "}
          <select aria-label="Filter by type" value={type} onChange={(e) => setParam("type", e.target.value)}>
            <option value="">all</option>
            {(types.data ?? []).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">{jobs.isFetching ? "updating…" : "live"}</span>
      </div>
      {jobs.error ? <div className="error-box">Could not load jobs: {jobs.error.message}</div> : null}
      {jobs.data ? <JobsTable jobs={jobs.data} /> : <p className="muted">Loading…</p>}
    </>
  );
}
