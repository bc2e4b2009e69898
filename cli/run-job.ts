import cliProgress from "cli-progress";
import { isTerminalJobState } from "../lib/jobs/states";
import type { IsobarEnv } from "../server/env";
import { startWorkers } from "../server/jobs/worker";
import type { RouterOutputs } from "../server/trpc/router";
import { connectApi, type Api } from "./api";
import { CliError } from "./errors";

type JobView = RouterOutputs["jobs"]["get"];

/** Poll a job until it ends, drawing a progress bar on the terminal. */
export async function followJob(api: Api, id: string): Promise<JobView> {
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {percentage}% | {state} | {message}", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let job = await api.jobs.get.query({ id });
  bar.start(100, Math.round(job.progress * 100), { state: job.state, message: job.progressMessage ?? "" });
  while (!isTerminalJobState(job.state)) {
    await new Promise((r) => setTimeout(r, 500));
    job = await api.jobs.get.query({ id });
    bar.update(Math.round(job.progress * 100), { state: job.state, message: job.progressMessage ?? "" });
  }
  bar.stop();
  return job;
}

/**
 * Run a job from the CLI and wait for it, the same way whether or not a server runs: through
 * the running `isobar serve` (whose workers pick it up), or, when this process opened the
 * database itself, with an in-process worker for just this job type. Either way the job is
 * recorded and visible on the Jobs page. Ctrl-C cancels it.
 */
export async function runJobFromCli(env: IsobarEnv, command: string, type: string, payload: unknown): Promise<JobView> {
  return runSubmittedJobFromCli(env, command, type, (api) => api.jobs.submit.mutate({ type, payload }));
}

/** Like runJobFromCli, but the job is submitted by `submit` (e.g. a procedure that builds the payload server-side). */
export async function runSubmittedJobFromCli(env: IsobarEnv, command: string, type: string, submit: (api: Api) => Promise<{ id: string }>): Promise<JobView> {
  const conn = await connectApi(env, command);
  const workers = conn.services ? await startWorkers(conn.services.queue, { concurrency: 1, home: env.home, only: [type] }) : null;
  let jobId: string | null = null;
  const onSigint = () => {
    if (jobId) {
      console.error("\nCancelling the job…");
      void conn.api.jobs.cancel.mutate({ id: jobId }).catch(() => undefined);
    }
  };
  process.on("SIGINT", onSigint);
  try {
    const job = await submit(conn.api);
    jobId = job.id;
    console.log(`Job ${job.id} (${type})${conn.via === "server" ? ` running on the server at ${conn.url}` : ""}`);
    const done = await followJob(conn.api, job.id);
    if (done.state === "failed") throw new CliError(`job ${done.id} failed: ${done.error ?? "unknown error"} (see 'isobar jobs show ${done.id}')`);
    if (done.state === "cancelled") throw new CliError(`job ${done.id} was cancelled`);
    return done;
  } finally {
    process.off("SIGINT", onSigint);
    await workers?.stop();
    await conn.close();
  }
}
