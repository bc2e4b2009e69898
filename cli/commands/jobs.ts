import type { Command } from "commander";
import pc from "picocolors";
import { JOB_STATES, isTerminalJobState, type JobState } from "../../lib/jobs/states";
import { readEnv } from "../../server/env";
import type { RouterOutputs } from "../../server/trpc/router";
import { withApi } from "../api";
import { followJob } from "../run-job";
import { CliError } from "../errors";
import { colourState, columns, percent } from "../format";

type JobDto = RouterOutputs["jobs"]["get"];

function parseStates(value: string | undefined): JobState[] | undefined {
  if (!value) return undefined;
  const states = value.split(",").map((s) => s.trim());
  for (const s of states) {
    if (!(JOB_STATES as readonly string[]).includes(s)) {
      throw new CliError(`unknown job state '${s}' in --state; use one or more of ${JOB_STATES.join(", ")} separated by commas`);
    }
  }
  return states as JobState[];
}

function parsePayload(text: string | undefined): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`--payload is not valid JSON: ${(err as Error).message}`);
  }
}

function printJob(job: JobDto): void {
  const rows: [string, string][] = [
    ["id", job.id],
    ["type", job.type],
    ["state", colourState(job.state) + (job.cancelRequested && !isTerminalJobState(job.state) ? pc.yellow(" (cancel requested)") : "")],
    ["progress", `${percent(job.progress)}${job.progressMessage ? ` — ${job.progressMessage}` : ""}`],
    ["attempts", String(job.attempts)],
    ["worker", job.workerId ?? "-"],
    ["created", job.createdAt],
    ["started", job.startedAt ?? "-"],
    ["finished", job.finishedAt ?? "-"],
    ["payload", JSON.stringify(job.payload)],
  ];
  if (job.result !== null && job.result !== undefined) rows.push(["result", JSON.stringify(job.result)]);
  if (job.error) rows.push(["error", pc.red(job.error)]);
  for (const [k, v] of rows) console.log(`${pc.bold(k.padEnd(9))} ${v}`);
}

export function registerJobsCommands(program: Command): void {
  const jobs = program.command("jobs").description("list, inspect, submit and cancel jobs");

  jobs
    .command("list")
    .description("list recent jobs, newest first")
    .option("--state <states>", `filter by state (comma-separated: ${JOB_STATES.join(",")})`)
    .option("--type <type>", "filter by job type")
    .option("--limit <n>", "how many jobs at most", "50")
    .option("--json", "print JSON")
    .action(async (opts: { state?: string; type?: string; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError("--limit must be a whole number from 1 to 500");
      const states = parseStates(opts.state);
      const list = await withApi(readEnv(), "isobar jobs list", (api) => api.jobs.list.query({ states, type: opts.type, limit }));
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log("No jobs.");
      console.log(
        columns(
          ["ID", "TYPE", "STATE", "PROGRESS", "ATTEMPTS", "CREATED", "MESSAGE"],
          list.map((j) => [j.id, j.type, colourState(j.state), percent(j.progress), String(j.attempts), j.createdAt, j.error ?? j.progressMessage ?? ""]),
        ),
      );
    });

  jobs
    .command("show <id>")
    .description("show one job with its logs")
    .option("--json", "print JSON (job and logs)")
    .option("--follow", "show live progress until the job ends")
    .action(async (id: string, opts: { json?: boolean; follow?: boolean }) => {
      await withApi(readEnv(), "isobar jobs show", async (api) => {
        const job = opts.follow ? await followJob(api, id) : await api.jobs.get.query({ id });
        const logs = await api.jobs.logs.query({ id });
        if (opts.json) return console.log(JSON.stringify({ job, logs }, null, 2));
        printJob(job);
        if (logs.length) {
          console.log(pc.bold("\nlogs"));
          for (const l of logs) console.log(`${pc.dim(l.at)} ${l.level.padEnd(5)} [${l.attempt}] ${l.message}`);
        }
        if (job.state === "failed") process.exitCode = 1;
      });
    });

  jobs
    .command("submit <type>")
    .description("submit a job of the given type (see 'isobar jobs types')")
    .option("--payload <json>", "the job's payload as JSON", "{}")
    .option("--follow", "show live progress until the job ends")
    .action(async (type: string, opts: { payload: string; follow?: boolean }) => {
      const payload = parsePayload(opts.payload);
      await withApi(readEnv(), "isobar jobs submit", async (api) => {
        const job = await api.jobs.submit.mutate({ type, payload });
        console.log(`Submitted job ${job.id} (${job.type})`);
        if (opts.follow) {
          const done = await followJob(api, job.id);
          console.log(`Job ${done.id} ${done.state}${done.error ? `: ${done.error}` : ""}`);
          if (done.state !== "completed") process.exitCode = 1;
        }
      });
    });

  jobs
    .command("types")
    .description("list the job types this version knows")
    .action(async () => {
      const types = await withApi(readEnv(), "isobar jobs types", (api) => api.jobs.types.query());
      console.log(types.join("\n"));
    });

  jobs
    .command("cancel <id>")
    .description("cancel a queued or running job")
    .action(async (id: string) => {
      const job = await withApi(readEnv(), "isobar jobs cancel", (api) => api.jobs.cancel.mutate({ id }));
      console.log(
        job.state === "cancelled" ? `Job ${id} cancelled.` : `Cancellation of job ${id} requested; it stops at its next check (state: ${job.state}).`,
      );
    });
}
