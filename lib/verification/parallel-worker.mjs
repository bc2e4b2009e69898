// Entry of a ScoringPool worker thread (parallel.ts). A worker starts with a plain module
// loader, so it registers tsx (as cli/isobar.mjs does) before loading the TypeScript kernels,
// then answers each task message with {id} or {id, error}.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { runKernelTask } = await import("./parallel-tasks.ts");

parentPort.on("message", (task) => {
  try {
    runKernelTask(task);
    parentPort.postMessage({ id: task.id });
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
