/**
 * Reader for an MLflow FileStore `mlruns/` directory (the layout `mlflow` writes with a
 * `./mlruns` or `file:` tracking URI, and anemoi-training writes in offline mode).
 *
 *   mlruns/<exp_id>/meta.yaml, tags/<key>, <run_id>/{meta.yaml, metrics/, params/, tags/, artifacts/}
 *   mlruns/.trash/<exp_id>/…    deleted experiments
 *
 * Keys containing '/' are nested folders; they are walked recursively and joined with '/'.
 * Metric files are streamed line by line, so histories of millions of points stay cheap.
 * Reads files only; no database.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { isMap, isScalar, parseDocument } from "yaml";

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export type LifecycleStage = "active" | "deleted";

/** FileStore integer status codes (mlflow RunStatus proto). */
export const RUN_STATUS_CODES: Readonly<Record<number, RunStatus>> = {
  1: "RUNNING",
  2: "SCHEDULED",
  3: "FINISHED",
  4: "FAILED",
  5: "KILLED",
};

export interface MlrunsExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string | null;
  /** "deleted" for experiments in `.trash` whatever their meta.yaml says. */
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
  /** Absolute path of the experiment folder. */
  dir: string;
  /** Found under `.trash/`. */
  inTrash: boolean;
}

export interface MlrunsRun {
  runId: string;
  /** meta.yaml `run_name`, else the `mlflow.runName` tag, else null. */
  runName: string | null;
  experimentId: string;
  userId: string | null;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  /** As recorded; often a stale `file://` path from the machine that trained. */
  artifactUri: string | null;
  lifecycleStage: LifecycleStage;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Metric keys ('/'-joined), sorted. */
  metricKeys: string[];
  /** Absolute path of the run folder. */
  dir: string;
  /** Absolute path of `<run>/artifacts` when it exists, else null. */
  artifactDir: string | null;
  /** Every meta.yaml field as read (source_type, source_name, entry_point_name, …). */
  meta: Record<string, unknown>;
}

export interface MetricPoint {
  timestamp: number;
  value: number;
  step: number;
}

/** A chunk of a metric history as columns. */
export interface MetricBatch {
  timestamps: Float64Array;
  values: Float64Array;
  steps: Float64Array;
  length: number;
}

/** Malformed content; the message names the file (relative to the mlruns parent) and line. */
export class MlrunsFormatError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = "MlrunsFormatError";
  }
}

export interface MlrunsReaderOptions {
  /**
   * When given, experiments and runs with malformed meta.yaml are reported here and skipped.
   * Without it they throw MlrunsFormatError.
   */
  onWarning?: (error: MlrunsFormatError) => void;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** meta.yaml fields: `text` as written (null for null and non-scalars), `typed` with integers/booleans converted. */
interface Meta {
  text: Record<string, string | null>;
  typed: Record<string, unknown>;
}

/** Parse Python float text: decimals, `nan`, `inf`, `-inf`, `Infinity`. Null when not a float. */
export function parsePythonFloat(text: string): number | null {
  if (DECIMAL.test(text)) return Number(text);
  const m = SPECIAL.exec(text);
  if (m === null) return null;
  if (m[2].toLowerCase() === "nan") return Number.NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

/**
 * Parse one metric line: `<timestamp> <value> <step>`, or legacy `<timestamp> <value>` (step 0).
 * Extra trailing fields (newer MLflow versions) are ignored. Returns null for a blank line;
 * a string describing the problem for a malformed one.
 */
export function parseMetricLine(line: string): MetricPoint | null | string {
  const trimmed = line.trim();
  if (trimmed === "") return null;
  const fields = trimmed.split(/\s+/);
  if (fields.length < 2) return "";
  const [ts, val, step] = fields;
  if (!INTEGER.test(ts)) return `timestamp '${ts}' is not an integer`;
  const value = parsePythonFloat(val);
  if (value === null) return `value '${val}' is not a number`;
  if (step !== undefined && !INTEGER.test(step)) return `step '${step}' is not an integer`;
  return { timestamp: Number(ts), value, step: step === undefined ? 0 : Number(step) };
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Files under `dir` as '/'-joined relative keys (recursively), sorted; [] when `dir` is missing. */
async function walkKeys(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (abs: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const key = prefix === "" ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) await visit(path.join(abs, e.name), key);
      else if (e.isFile()) out.push(key);
    }
  };
  await visit(dir, "");
  return out.sort();
}

function toNumber(v: string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const t = v.trim();
  return INTEGER.test(t) ? Number(t) : DECIMAL.test(t) ? Math.round(Number(t)) : null;
}

function toStage(v: string | null | undefined): LifecycleStage {
  return v === "deleted" ? "deleted" : "active";
}

export class MlrunsReader {
  readonly root: string;
  private readonly onWarning?: (error: MlrunsFormatError) => void;

  constructor(root: string, options: MlrunsReaderOptions = {}) {
    this.root = path.resolve(root);
    this.onWarning = options.onWarning;
  }

  /** Path shown in messages: relative to the parent of the root, e.g. `mlruns/1/abc/metrics/loss`. */
  display(abs: string): string {
    return path.relative(path.dirname(this.root), abs).split(path.sep).join("/");
  }

  private problem(error: MlrunsFormatError): void {
    if (this.onWarning === undefined) throw error;
    this.onWarning(error);
  }

  private async readMeta(file: string): Promise<Meta | null> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      this.problem(new MlrunsFormatError(`${this.display(file)}: cannot read (${(e as Error).message})`, this.display(file)));
      return null;
    }
    const shown = this.display(file);
    const doc = parseDocument(text, { schema: "failsafe" });
    if (doc.errors.length > 0) {
      const msg = doc.errors[0].message.split("\n")[0];
      this.problem(new MlrunsFormatError(`${shown}: invalid YAML (${msg})`, shown));
      return null;
    }
    if (!isMap(doc.contents)) {
      this.problem(new MlrunsFormatError(`${shown}: expected a mapping of fields, found ${doc.contents === null ? "an empty file" : "something else"}`, shown));
      return null;
    }
    // Scalars are read as text (failsafe schema) and typed here: MLflow writes meta.yaml with PyYAML
    // (YAML 1.1), and a generic resolver would turn an unquoted run name like `1e5` into 100000
    // or strip digits from long ids. Plain null/~ are null; plain integers and booleans are typed in `typed`.
    const meta: Meta = { text: {}, typed: {} };
    for (const pair of doc.contents.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const node = pair.value;
      if (isScalar(node)) {
        const raw = String(node.value);
        const plain = node.type === "PLAIN";
        if (plain && /^(null|Null|NULL|~|)$/.test(raw)) {
          meta.text[key] = null;
          meta.typed[key] = null;
        } else {
          meta.text[key] = raw;
          meta.typed[key] = !plain ? raw : INTEGER.test(raw) ? Number(raw) : /^(true|false)$/i.test(raw) ? raw.toLowerCase() === "true" : raw;
        }
      } else {
        meta.text[key] = null;
        meta.typed[key] = node === null || node === undefined ? null : (node as { toJSON(): unknown }).toJSON();
      }
    }
    return meta;
  }

  /** Read every file under `dir` as key → content (params and tags). */
  private async readKeyValues(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of await walkKeys(dir)) {
      out[key] = await readFile(path.join(dir, ...key.split("/")), "utf8");
    }
    return out;
  }

  private async readExperiment(dir: string, inTrash: boolean): Promise<MlrunsExperiment | null> {
    const metaFile = path.join(dir, "meta.yaml");
    const meta = await this.readMeta(metaFile);
    if (meta === null) return null;
    const experimentId = meta.text.experiment_id ?? path.basename(dir);
    const name = meta.text.name ?? null;
    if (name === null) {
      this.problem(new MlrunsFormatError(`${this.display(metaFile)}: missing experiment name`, this.display(metaFile)));
      return null;
    }
    return {
      experimentId,
      name,
      artifactLocation: meta.text.artifact_location ?? null,
      lifecycleStage: inTrash ? "deleted" : toStage(meta.text.lifecycle_stage),
      creationTime: toNumber(meta.text.creation_time),
      lastUpdateTime: toNumber(meta.text.last_update_time),
      tags: await this.readKeyValues(path.join(dir, "tags")),
      dir,
      inTrash,
    };
  }

  /** All experiments, active ones first then those in `.trash`, each ordered by id (numerically when numeric). */
  async experiments(): Promise<MlrunsExperiment[]> {
    if (!(await isDir(this.root))) {
      throw new MlrunsFormatError(`${this.root}: not a directory`, this.root);
    }
    const out: MlrunsExperiment[] = [];
    for (const [base, inTrash] of [
      [this.root, false],
      [path.join(this.root, ".trash"), true],
    ] as const) {
      let entries;
      try {
        entries = await readdir(base, { withFileTypes: true });
      } catch {
        continue;
      }
      const found: MlrunsExperiment[] = [];
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith(".")) continue;
        const dir = path.join(base, e.name);
        if (!(await isFile(path.join(dir, "meta.yaml")))) continue; // e.g. mlruns/models (registry)
        const exp = await this.readExperiment(dir, inTrash);
        if (exp !== null) found.push(exp);
      }
      found.sort((a, b) => a.experimentId.localeCompare(b.experimentId, "en", { numeric: true }));
      out.push(...found);
    }
    return out;
  }

  private async readRun(dir: string, experimentId: string): Promise<MlrunsRun | null> {
    const metaFile = path.join(dir, "meta.yaml");
    const meta = await this.readMeta(metaFile);
    if (meta === null) return null;
    const rawStatus = meta.text.status ?? null;
    let status: RunStatus | undefined;
    const code = toNumber(rawStatus);
    if (code !== null) status = RUN_STATUS_CODES[code];
    else if (typeof rawStatus === "string" && Object.values(RUN_STATUS_CODES).includes(rawStatus.toUpperCase() as RunStatus)) {
      status = rawStatus.toUpperCase() as RunStatus;
    }
    if (status === undefined) {
      this.problem(
        new MlrunsFormatError(
          `${this.display(metaFile)}: status ${JSON.stringify(rawStatus)} is not one of 1..5 (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)`,
          this.display(metaFile),
        ),
      );
      return null;
    }
    const tags = await this.readKeyValues(path.join(dir, "tags"));
    const metaName = meta.text.run_name ?? null;
    const artifactDir = path.join(dir, "artifacts");
    return {
      runId: meta.text.run_id ?? meta.text.run_uuid ?? path.basename(dir),
      runName: metaName !== null && metaName !== "" ? metaName : (tags["mlflow.runName"] ?? null),
      experimentId: meta.text.experiment_id ?? experimentId,
      userId: meta.text.user_id ?? null,
      status,
      startTime: toNumber(meta.text.start_time),
      endTime: toNumber(meta.text.end_time),
      artifactUri: meta.text.artifact_uri ?? null,
      lifecycleStage: toStage(meta.text.lifecycle_stage),
      params: await this.readKeyValues(path.join(dir, "params")),
      tags,
      metricKeys: await walkKeys(path.join(dir, "metrics")),
      dir,
      artifactDir: (await isDir(artifactDir)) ? artifactDir : null,
      meta: meta.typed,
    };
  }

  /** Runs of an experiment, one at a time (params and tags loaded, metrics not). */
  async *iterateRuns(experiment: MlrunsExperiment): AsyncGenerator<MlrunsRun> {
    let entries;
    try {
      entries = await readdir(experiment.dir, { withFileTypes: true });
    } catch {
      return;
    }
    const names = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const dir = path.join(experiment.dir, name);
      // Run folders hold a meta.yaml; `tags/`, `datasets/`, `models/` and the like do not.
      if (!(await isFile(path.join(dir, "meta.yaml")))) continue;
      const run = await this.readRun(dir, experiment.experimentId);
      if (run !== null) yield run;
    }
  }

  /** All runs of an experiment. */
  async runs(experiment: MlrunsExperiment): Promise<MlrunsRun[]> {
    const out: MlrunsRun[] = [];
    for await (const r of this.iterateRuns(experiment)) out.push(r);
    return out;
  }

  private metricFile(run: MlrunsRun | string, key: string): string {
    const dir = typeof run === "string" ? run : run.dir;
    const parts = key.split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..")) {
      throw new MlrunsFormatError(`invalid metric key '${key}'`, this.display(path.join(dir, "metrics")));
    }
    return path.join(dir, "metrics", ...parts);
  }

  /**
   * Stream a metric history point by point, in file order.
   * @throws MlrunsFormatError naming the file and line of a malformed line.
   */
  async *metricHistory(run: MlrunsRun | string, key: string): AsyncGenerator<MetricPoint> {
    const file = this.metricFile(run, key);
    const shown = this.display(file);
    const stream = createReadStream(file, { encoding: "utf8" });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo += 1;
        const p = parseMetricLine(line);
        if (p === null) continue;
        if (typeof p === "string") {
          const found = line.length > 80 ? `${line.slice(0, 80)}…` : line;
          throw new MlrunsFormatError(
            `${shown} line ${lineNo}: expected '<timestamp> <value> <step>', found '${found}'${p === "" ? "" : ` (${p})`}`,
            shown,
            lineNo,
          );
        }
        yield p;
      }
    } catch (e) {
      if (e instanceof MlrunsFormatError) throw e;
      throw new MlrunsFormatError(`${shown}: cannot read (${(e as Error).message})`, shown);
    } finally {
      lines.close();
      stream.destroy();
    }
  }

  /** Stream a metric history as column batches of at most `batchSize` points (for bulk inserts). */
  async *metricBatches(run: MlrunsRun | string, key: string, batchSize = 10_000): AsyncGenerator<MetricBatch> {
    const size = Math.max(1, Math.floor(batchSize));
    let timestamps = new Float64Array(size);
    let values = new Float64Array(size);
    let steps = new Float64Array(size);
    let n = 0;
    for await (const p of this.metricHistory(run, key)) {
      timestamps[n] = p.timestamp;
      values[n] = p.value;
      steps[n] = p.step;
      n += 1;
      if (n === size) {
        yield { timestamps, values, steps, length: n };
        timestamps = new Float64Array(size);
        values = new Float64Array(size);
        steps = new Float64Array(size);
        n = 0;
      }
    }
    if (n > 0) yield { timestamps: timestamps.slice(0, n), values: values.slice(0, n), steps: steps.slice(0, n), length: n };
  }
}

/** Convenience: a reader for `root`. */
export function openMlruns(root: string, options: MlrunsReaderOptions = {}): MlrunsReader {
  return new MlrunsReader(root, options);
}
