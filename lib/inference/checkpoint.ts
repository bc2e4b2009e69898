import fs from "node:fs/promises";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { z } from "zod";
import { GridDescriptorSchema, gridFromDescriptor, type GridDescriptor } from "@/lib/grids";
import { deserializeGraph, serializeGraph, type EncProcDecGraph } from "@/lib/graphs";
import { ForecastModel, packArrays, unpackArrays, type ModelIoInput, type ModelSpecInput, type OptimizerState } from "@/lib/models";
import { exportOnnx, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from "./onnx-export";

/**
 * An Isobar checkpoint is ONE zip file with a single top directory (like anemoi's .ckpt):
 *
 *   <top>/isobar.json   metadata (CheckpointMetadataSchema): the contract the runner relies on
 *   <top>/model.onnx    the model (standard ai.onnx opsets)
 *   <top>/graph.bin     optional: the graph (lib/graphs binary form)
 *   <top>/weights.bin   optional: TF.js weights + model spec (Isobar-trained models)
 *   <top>/optimizer.bin optional: optimizer state (resumable training)
 *   <top>/<other>       optional extra files
 *
 * A bring-your-own ONNX model runs through the same path if it comes with a valid isobar.json.
 */
export const CHECKPOINT_FORMAT = "isobar-checkpoint";
export const CHECKPOINT_VERSION = 1;
export const METADATA_FILE = "isobar.json";
export const MODEL_FILE = "model.onnx";
export const GRAPH_FILE = "graph.bin";
/** TF.js weights (sorted by name) with {spec, io, seed} in the header: rebuilds the trainable model. */
export const WEIGHTS_FILE = "weights.bin";
/** AdamW moments m/… and v/… with {step} in the header: resumes training. */
export const OPTIMIZER_FILE = "optimizer.bin";

const finite = z.number().refine(Number.isFinite, "must be finite");
const stats = z.record(z.string(), finite);
const positiveStats = z.record(z.string(), z.number().positive().refine(Number.isFinite, "must be finite"));

export const CheckpointMetadataSchema = z
  .object({
    format: z.literal(CHECKPOINT_FORMAT),
    version: z.literal(CHECKPOINT_VERSION),
    /** Names of the ONNX graph's input and output. */
    onnx: z.object({ input: z.string().default(ONNX_INPUT_NAME), output: z.string().default(ONNX_OUTPUT_NAME) }).default({ input: ONNX_INPUT_NAME, output: ONNX_OUTPUT_NAME }),
    /** "tendency": output is (x[t+1] − x[t] − tendency_mean) / tendency_std; "state": output is (x[t+1] − mean) / std. */
    output_kind: z.enum(["tendency", "state"]).default("tendency"),
    /** Input channels per time are prognostic then forcing, in these orders; output channels are the prognostic ones. */
    variables: z.object({ prognostic: z.array(z.string()).min(1), forcing: z.array(z.string()).default([]) }),
    multistep_input: z.number().int().positive(),
    /** Model time step, e.g. "6h", "1d", "30m". */
    timestep: z.string().regex(/^\d+[mhd]$/, "expected a duration like 6h, 1d or 30m"),
    grid: GridDescriptorSchema,
    normalisation: z.object({
      mean: stats,
      std: positiveStats,
      tendency_mean: stats.default({}),
      tendency_std: positiveStats.default({}),
    }),
    /** Free-form: config, dataset uuid, git commit, training step, creation time, ... */
    provenance: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((m, ctx) => {
    const all = [...m.variables.prognostic, ...m.variables.forcing];
    const dup = all.find((v, i) => all.indexOf(v) !== i);
    if (dup) ctx.addIssue({ code: "custom", path: ["variables"], message: `variable '${dup}' is listed twice` });
    for (const v of all) {
      if (!(v in m.normalisation.mean)) ctx.addIssue({ code: "custom", path: ["normalisation", "mean", v], message: `missing mean of '${v}'` });
      if (!(v in m.normalisation.std)) ctx.addIssue({ code: "custom", path: ["normalisation", "std", v], message: `missing std of '${v}'` });
    }
    if (m.output_kind === "tendency")
      for (const v of m.variables.prognostic) {
        if (!(v in m.normalisation.tendency_mean)) ctx.addIssue({ code: "custom", path: ["normalisation", "tendency_mean", v], message: `missing tendency mean of '${v}'` });
        if (!(v in m.normalisation.tendency_std)) ctx.addIssue({ code: "custom", path: ["normalisation", "tendency_std", v], message: `missing tendency std of '${v}'` });
      }
  });
export type CheckpointMetadata = z.infer<typeof CheckpointMetadataSchema>;
export type CheckpointMetadataInput = z.input<typeof CheckpointMetadataSchema>;

export class CheckpointError extends Error {}

/** Time step in seconds of a duration like "6h". */
export function timestepSeconds(ts: string): number {
  const m = /^(\d+)([mhd])$/.exec(ts);
  if (!m) throw new CheckpointError(`invalid time step '${ts}'`);
  return Number(m[1]) * { m: 60, h: 3600, d: 86400 }[m[2] as "m" | "h" | "d"];
}

export function parseMetadata(raw: unknown): CheckpointMetadata {
  const r = CheckpointMetadataSchema.safeParse(raw);
  if (!r.success) throw new CheckpointError(`invalid checkpoint metadata:\n${z.prettifyError(r.error)}`);
  return r.data;
}

export interface CheckpointParts {
  metadata: CheckpointMetadataInput;
  onnx: Uint8Array;
  graph?: Uint8Array;
  /** Extra files by name (stored under the top directory). */
  files?: Record<string, Uint8Array>;
}

export interface Checkpoint {
  metadata: CheckpointMetadata;
  onnx: Uint8Array;
  graph: Uint8Array | null;
  files: Record<string, Uint8Array>;
}

/** Packs a checkpoint zip. The metadata is validated first. */
export function packCheckpoint(parts: CheckpointParts, top = "isobar-checkpoint"): Uint8Array {
  const metadata = parseMetadata(parts.metadata);
  const entries: Record<string, Uint8Array> = {
    [`${top}/${METADATA_FILE}`]: strToU8(JSON.stringify(metadata, null, 2)),
    [`${top}/${MODEL_FILE}`]: parts.onnx,
  };
  if (parts.graph) entries[`${top}/${GRAPH_FILE}`] = parts.graph;
  for (const [k, v] of Object.entries(parts.files ?? {})) entries[`${top}/${k}`] = v;
  return zipSync(entries, { level: 1 });
}

/** Unpacks and validates a checkpoint zip (metadata schema; ONNX I/O is checked by the runner). */
export function unpackCheckpoint(bytes: Uint8Array): Checkpoint {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new CheckpointError(`not a checkpoint zip: ${(e as Error).message}`);
  }
  const names = Object.keys(files).filter((n) => !n.endsWith("/"));
  const tops = new Set(names.map((n) => n.split("/")[0]));
  if (tops.size !== 1 || names.some((n) => !n.includes("/"))) throw new CheckpointError("a checkpoint zip must hold a single top directory");
  const top = [...tops][0];
  const get = (f: string) => files[`${top}/${f}`];
  if (!get(METADATA_FILE)) throw new CheckpointError(`checkpoint has no ${top}/${METADATA_FILE}`);
  if (!get(MODEL_FILE)) throw new CheckpointError(`checkpoint has no ${top}/${MODEL_FILE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(strFromU8(get(METADATA_FILE)));
  } catch (e) {
    throw new CheckpointError(`${METADATA_FILE} is not JSON: ${(e as Error).message}`);
  }
  const extra: Record<string, Uint8Array> = {};
  for (const n of names) {
    const rel = n.slice(top.length + 1);
    if (![METADATA_FILE, MODEL_FILE, GRAPH_FILE].includes(rel)) extra[rel] = files[n];
  }
  return { metadata: parseMetadata(raw), onnx: get(MODEL_FILE), graph: get(GRAPH_FILE) ?? null, files: extra };
}

export async function saveCheckpoint(path: string, parts: CheckpointParts): Promise<void> {
  await fs.writeFile(path, packCheckpoint(parts));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return unpackCheckpoint(new Uint8Array(await fs.readFile(path)));
}

export interface ExportCheckpointOptions {
  variables: { prognostic: string[]; forcing: string[] };
  timestep: string;
  grid: GridDescriptor;
  normalisation: CheckpointMetadataInput["normalisation"];
  provenance?: Record<string, unknown>;
  graph?: EncProcDecGraph | null;
  /** Optimizer state to resume training from this checkpoint. */
  optimizer?: OptimizerState | null;
}

/** ONNX export + metadata of a trained model, packed as one checkpoint file. */
export function exportCheckpoint(model: ForecastModel, o: ExportCheckpointOptions): Uint8Array {
  if (o.variables.prognostic.length !== model.io.numPrognostic || o.variables.forcing.length !== model.io.numForcing)
    throw new CheckpointError(`the model has ${model.io.numPrognostic} prognostic and ${model.io.numForcing} forcing variables; got ${o.variables.prognostic.length} and ${o.variables.forcing.length} names`);
  const gridSize = gridFromDescriptor(o.grid).size;
  if (gridSize !== model.numPoints) throw new CheckpointError(`grid has ${gridSize} points, the model ${model.numPoints}`);
  return packCheckpoint({
    metadata: {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      output_kind: "tendency",
      variables: o.variables,
      multistep_input: model.io.multistepInput,
      timestep: o.timestep,
      grid: o.grid,
      normalisation: o.normalisation,
      provenance: { ...(o.provenance ?? {}), model: { spec: model.spec, parameters: model.params.numParameters(), seed: model.seed } },
    },
    onnx: exportOnnx(model),
    graph: o.graph ? serializeGraph(o.graph) : undefined,
    files: {
      [WEIGHTS_FILE]: packArrays(model.params.export(), { spec: model.spec, io: model.io, seed: model.seed }),
      ...(o.optimizer
        ? { [OPTIMIZER_FILE]: packArrays([...o.optimizer.m.map((a) => ({ ...a, name: `m/${a.name}` })), ...o.optimizer.v.map((a) => ({ ...a, name: `v/${a.name}` }))], { step: o.optimizer.step }) }
        : {}),
    },
  });
}

/**
 * Rebuilds the TF.js model (and the optimizer state, if saved) of an Isobar checkpoint, e.g. to
 * resume or fine-tune. Needs weights.bin, and graph.bin for graph models. Call initTf() first.
 */
export function modelFromCheckpoint(ckpt: Checkpoint): { model: ForecastModel; graph: EncProcDecGraph | null; optimizer: OptimizerState | null } {
  const w = ckpt.files[WEIGHTS_FILE];
  if (!w) throw new CheckpointError(`checkpoint has no ${WEIGHTS_FILE} (not trained by Isobar?): it can run, but not be trained further`);
  const { arrays, meta } = unpackArrays(w);
  const graph = ckpt.graph ? deserializeGraph(ckpt.graph) : null;
  const grid = gridFromDescriptor(ckpt.metadata.grid);
  const model = new ForecastModel(meta.spec as ModelSpecInput, meta.io as ModelIoInput, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, Number(meta.seed ?? 0));
  model.params.import(arrays);
  let optimizer: OptimizerState | null = null;
  const o = ckpt.files[OPTIMIZER_FILE];
  if (o) {
    const st = unpackArrays(o);
    const strip = (prefix: string) => st.arrays.filter((a) => a.name.startsWith(prefix)).map((a) => ({ ...a, name: a.name.slice(prefix.length) }));
    optimizer = { step: Number(st.meta.step ?? 0), m: strip("m/"), v: strip("v/") };
  }
  return { model, graph, optimizer };
}

const AnemoiMetadataSchema = z
  .object({
    version: z.string().optional(),
    run_id: z.string().optional(),
    uuid: z.string().optional(),
    dataset: z.object({ variables: z.array(z.string()).optional() }).loose().optional(),
    config: z.unknown().optional(),
    provenance_training: z.unknown().optional(),
  })
  .loose();

/** Reads the metadata of an anemoi checkpoint zip (`<top>/anemoi-metadata/anemoi.json`, or the older `ai-models.json`). */
export function readAnemoiMetadata(bytes: Uint8Array): z.infer<typeof AnemoiMetadataSchema> & { source: string } {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => /(^|\/)anemoi-metadata\/anemoi\.json$|(^|\/)ai-models\.json$/.test(f.name) });
  } catch (e) {
    throw new CheckpointError(`not a zip: ${(e as Error).message}`);
  }
  const name = Object.keys(files).find((f) => f.endsWith("anemoi.json")) ?? Object.keys(files).find((f) => f.endsWith("ai-models.json"));
  if (!name) throw new CheckpointError("no anemoi-metadata/anemoi.json or ai-models.json in the checkpoint");
  const r = AnemoiMetadataSchema.safeParse(JSON.parse(strFromU8(files[name])));
  if (!r.success) throw new CheckpointError(`invalid anemoi metadata: ${z.prettifyError(r.error)}`);
  return { ...r.data, source: name };
}
