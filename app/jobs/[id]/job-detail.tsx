"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { isTerminalJobState } from "@/lib/jobs/states";
import { formatDuration, formatTime, JobStateBadge, ProgressBar } from "@/components/jobs/job-bits";
import { useTRPC } from "@/components/trpc";

export function JobDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery({
    ...trpc.jobs.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && isTerminalJobState(q.state.data.state) ? false : 1000),
  });
  const running = job.data ? !isTerminalJobState(job.data.state) : true;
  const logs = useQuery({ ...trpc.jobs.logs.queryOptions({ id }), refetchInterval: running ? 1000 : false });
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id }) }),
    }),
  );

  if (job.error) {
    return (
      <>
        <h1>Job</h1>
        <div className="error-box">{job.error.message}</div>
        <p>
          <Link href="/jobs">Back to jobs</Link>
        </p>
      </>
    );
  }
  if (!job.data) return <p className="muted">Loading…</p>;
  const j = job.data;
  return (
    <>
      <p>
        <Link href="/jobs">← Jobs</Link>
      </p>
      <h1>
        {j.type} <span className="mono muted">{j.id}</span>
      </h1>
      <div className="toolbar">
        <JobStateBadge state={j.state} />
        <ProgressBar fraction={j.progress} />
        <span data-testid="progress-message">{j.progressMessage ?? ""}</span>
        {!isTerminalJobState(j.state) ? (
          <button className="danger" disabled={cancel.isPending || j.cancelRequested} onClick={() => cancel.mutate({ id })}>
            {j.cancelRequested ? "Cancelling…" : "Cancel job"}
          </button>
        ) : null}
      </div>
      {cancel.error ? <div className="error-box">{cancel.error.message}</div> : null}
      {j.error ? <div className="error-box" data-testid="job-error">{j.error}</div> : null}
      <h2>Details</h2>
      <dl className="props">
        <dt>Attempts</dt>
        <dd>{j.attempts}</dd>
        <dt>Worker</dt>
        <dd className="mono">{j.workerId ?? "–"}</dd>
        <dt>Created</dt>
        <dd>{formatTime(j.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(j.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(j.finishedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(j.startedAt, j.finishedAt)}</dd>
      </dl>
      <h2>Payload</h2>
      <pre className="json">{JSON.stringify(j.payload, null, 2)}</pre>
      {j.result !== null && j.result !== undefined ? (
        <>
          <h2>Result</h2>
          <pre className="json" data-testid="job-result">{JSON.stringify(j.result, null, 2)}</pre>
        </>
      ) : null}
      <h2>Logs</h2>
      <pre className="logs" data-testid="job-logs">
        {(logs.data ?? []).map((l) => `${l.at}  ${l.level.padEnd(5)} [attempt ${l.attempt}] ${l.message}`).join("\n") || "No log lines yet."}
      </pre>
    </>
  );
}
