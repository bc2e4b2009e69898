/**
 * Reproduce a tracked training run: the exact resolved config it recorded (its `config.json`
 * artifact), the same dataset (checked by uuid) and the same seed, relaunched as a `training.run`
 * job. The new run carries the tag `isobar.reproduces = <original run id>` (lineage links them).
 */
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { ConfigError, readConfigArtifact, toPlain, validateConfig, type ConfigObject } from "@/lib/config";
import { openDataset } from "@/lib/datasets";
import { datasets } from "../db/schema";
import type { Db } from "../db/storage";
import { localDirForArtifactUri } from "../tracking/artifacts";
import { MlflowError } from "../tracking/errors";
import { getRun } from "../tracking/store/runs";
import { JOB_ID_TAG, type TrainPayload } from "./train-job";

export { REPRODUCES_TAG } from "./train-job";

/** The run cannot be reproduced; the message says why and what to do. */
export class ReproduceError extends Error {
  constructor(
    message: string,
    readonly reason: "not-found" | "not-isobar" | "no-config" | "dataset-gone" | "dataset-changed",
  ) {
    super(message);
  }
}

async function datasetUuid(p: string): Promise<string | null> {
  const ds = await openDataset(p);
  return typeof ds.attrs.uuid === "string" ? ds.attrs.uuid : null;
}

/**
 * The `training.run` payload that repeats run `runId`: its recorded config (validated again),
 * pointed at the dataset it trained on — at its recorded path, or, if it moved, wherever the
 * datasets registry now has a store with the same uuid.
 */
export async function reproducePayload(db: Db, home: string, runId: string): Promise<TrainPayload> {
  let run;
  try {
    run = await getRun(db, runId);
  } catch (err) {
    if (err instanceof MlflowError) throw new ReproduceError(`no run with id ${runId} (see 'isobar lineage' or the Runs page for run ids)`, "not-found");
    throw err;
  }
  const name = `run ${run.info.runName} (${runId})`;
  const tag = (k: string) => run.data.tags.find((t) => t.key === k)?.value;
  if (!tag(JOB_ID_TAG)) {
    throw new ReproduceError(
      `${name} is not an Isobar training run (it has no ${JOB_ID_TAG} tag; source: ${tag("mlflow.source.name") ?? "unknown"}): only runs trained by 'isobar train' record the resolved config, dataset and seed needed to reproduce them`,
      "not-isobar",
    );
  }
  const dir = localDirForArtifactUri(home, run.info.artifactUri);
  const file = dir ? path.join(dir, "config.json") : null;
  if (!file || !fs.existsSync(file)) {
    throw new ReproduceError(`${name} has no config.json artifact${file ? ` (looked for ${file})` : ""}: its resolved config is not recorded, so it cannot be reproduced`, "no-config");
  }
  let text = fs.readFileSync(file, "utf8");
  let plain: ConfigObject;
  try {
    const read = readConfigArtifact(text, file);
    if (read.flavour !== "isobar") throw new ConfigError("it is an anemoi-training config, which Isobar's trainer cannot run");
    validateConfig(read.tree);
    plain = toPlain(read.tree) as ConfigObject;
  } catch (err) {
    throw new ReproduceError(`${name}: its config.json artifact (${file}) is not a valid Isobar config: ${(err as Error).message}`, "no-config");
  }

  // The dataset: the run's recorded input (path and uuid digest), else the config's path.
  const input = run.inputs.datasetInputs.find((d) => d.tags.some((t) => t.key === "mlflow.data.context" && t.value === "training")) ?? run.inputs.datasetInputs[0];
  const data = plain.data as ConfigObject;
  const recordedPath = input?.dataset.source || path.resolve(String(data.dataset));
  const recordedUuid = input?.dataset.digest ?? null;
  let found: string | null = null;
  if (fs.existsSync(recordedPath)) {
    const now = await datasetUuid(recordedPath).catch(() => null);
    if (recordedUuid && now && now.slice(0, 36) !== recordedUuid) {
      throw new ReproduceError(
        `${name}: the dataset at ${recordedPath} is no longer the one it trained on (uuid recorded ${recordedUuid}, now ${now}); restore the original store or rebuild it from its recipe`,
        "dataset-changed",
      );
    }
    if (now !== null || !recordedUuid) found = recordedPath;
  }
  if (!found && recordedUuid) {
    // Moved: a registered store with the same uuid.
    const rows = await db.select({ path: datasets.path }).from(datasets).where(eq(datasets.datasetUuid, recordedUuid));
    for (const r of rows) {
      if (fs.existsSync(r.path) && (await datasetUuid(r.path).catch(() => null))?.slice(0, 36) === recordedUuid) {
        found = r.path;
        break;
      }
    }
  }
  if (!found) {
    throw new ReproduceError(
      `${name}: its dataset is gone (recorded at ${recordedPath}${recordedUuid ? `, uuid ${recordedUuid}` : ""}, and no registered dataset has that uuid); re-create it from its recipe with 'isobar datasets create' or register a copy with 'isobar datasets register'`,
      "dataset-gone",
    );
  }
  if (path.resolve(String(data.dataset)) !== found) {
    // The store moved: the same config pointing at its new place.
    data.dataset = found;
    text = `${JSON.stringify(plain, null, 2)}\n`;
  }
  return { overrides: [], entry: "train", config: text, reproduces: runId, runName: `${run.info.runName}-reproduced` };
}
