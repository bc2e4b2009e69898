import { InvalidArgumentError, type Command } from "commander";
import pc from "picocolors";
import { demoEstimate, demoPlan, runDemoPipeline, type DemoSize } from "../../server/demo/pipeline";
import { readEnv } from "../../server/env";
import { startServing } from "../serve-runtime";

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("serve the dashboard and build a complete experiment in it: dataset, two trainings, forecasts, baselines, scores (reuses what exists)")
    .option("--quick", "a few-minute version (90 days of data, short trainings)")
    .option("--train-minutes <minutes>", "time budget of each of the two trainings (larger: better models, longer demo)", parseMinutes)
    .option("--port <port>", "port to listen on (default: $PORT or 3000; 0 picks a free port)")
    .option("--no-web", "serve only the API (no dashboard pages)")
    .action(async (opts: { quick?: boolean; trainMinutes?: number; port?: string; web: boolean }) => {
      const env = readEnv({ ...process.env, ...(opts.port !== undefined ? { PORT: opts.port } : {}) });
      const size: DemoSize = opts.quick ? "quick" : "full";
      const { services, url } = await startServing(env, { command: "isobar demo", web: opts.web, workers: true });
      console.log(
        `Building the ${size === "quick" ? "quick " : ""}demo (${demoEstimate(demoPlan(size, { trainMinutes: opts.trainMinutes }))}). ` +
          `The dashboard already answers at ${url}: runs and their curves appear as they train; watch the Jobs page.`,
      );
      const started = Date.now();
      let result: Awaited<ReturnType<typeof runDemoPipeline>>;
      try {
        result = await runDemoPipeline(
          services,
          size,
          (stage, message) => console.log(`${pc.dim(new Date().toISOString().slice(11, 19))} ${pc.bold(stage)}: ${message}`),
          { trainMinutes: opts.trainMinutes },
        );
      } catch (err) {
        // Keep serving what exists; a second `isobar demo` resumes from the failed step.
        console.error(`isobar: the demo stopped: ${(err as Error).message}. The server keeps running at ${url}; run 'isobar demo' again to resume.`);
        process.exitCode = 1;
        return;
      }
      console.log(
        `Demo ready in ${((Date.now() - started) / 60_000).toFixed(1)} min: ${result.runs.length} runs, ${result.forecasts.length} scored forecasts. Open ${url} (runs: ${url}/runs, scorecards: ${url}/scorecards). Ctrl-C stops the server.`,
      );
    });
}

function parseMinutes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 24 * 60) throw new InvalidArgumentError(`'${value}' is not a number of minutes between 0 and 1440 (e.g. --train-minutes 30)`);
  return n;
}
