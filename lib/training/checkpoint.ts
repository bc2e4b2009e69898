import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { deserializeGraph, serializeGraph, type EncProcDecGraph } from "@/lib/graphs";
import type { NamedArray } from "@/lib/models";

/**
 * A training checkpoint: a folder with `checkpoint.json` (everything needed to resume or to run
 * the model: resolved config, normalisation, variables, grid, provenance), `arrays.bin` (weights
 * and optimizer moments as float32) and `graph.bin` (the graph, for graph models).
 */
const ArrayEntry = z.object({ group: z.enum(["params", "adam_m", "adam_v"]), name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });

export const CheckpointHeaderSchema = z.object({
  format: z.literal("isobar-training-checkpoint"),
  version: z.literal(1),
  step: z.number().int().nonnegative(),
  kind: z.enum(["periodic", "final"]),
  config: z.record(z.string(), z.unknown()),
  normalisation: z.object({ variables: z.array(z.string()), offset: z.array(z.number()), scale: z.array(z.number()), tendencyScale: z.array(z.number()) }),
  variables: z.object({ prognostic: z.array(z.string()), forcing: z.array(z.string()) }),
  multistepInput: z.number().int().positive(),
  timestepHours: z.number().positive(),
  grid: z.unknown(),
  dataset: z.object({ path: z.string(), uuid: z.string().nullable() }),
  seed: z.number().int(),
  lossHistory: z.array(z.object({ step: z.number().int(), loss: z.number() })),
  provenance: z.object({ runId: z.string(), gitCommit: z.string().nullable(), createdAt: z.string() }),
  arrays: z.array(ArrayEntry),
});
export type CheckpointHeader = z.infer<typeof CheckpointHeaderSchema>;
export type CheckpointContents = Omit<CheckpointHeader, "format" | "version" | "arrays"> & {
  params: NamedArray[];
  adamM: NamedArray[];
  adamV: NamedArray[];
  graph: EncProcDecGraph | null;
};

export class CheckpointError extends Error {}

export function writeCheckpoint(dir: string, c: CheckpointContents): void {
  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const arrays: z.infer<typeof ArrayEntry>[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [group, list] of [["params", c.params], ["adam_m", c.adamM], ["adam_v", c.adamV]] as const) {
    for (const a of list) {
      arrays.push({ group, name: a.name, shape: a.shape, offset, length: a.data.length });
      chunks.push(a.data);
      offset += a.data.length;
    }
  }
  const all = new Float32Array(offset);
  let o = 0;
  for (const ch of chunks) {
    all.set(ch, o);
    o += ch.length;
  }
  fs.writeFileSync(path.join(tmp, "arrays.bin"), new Uint8Array(all.buffer));
  if (c.graph) fs.writeFileSync(path.join(tmp, "graph.bin"), serializeGraph(c.graph));
  const { params: _p, adamM: _m, adamV: _v, graph: _g, ...rest } = c;
  const header: CheckpointHeader = { format: "isobar-training-checkpoint", version: 1, ...rest, arrays };
  fs.writeFileSync(path.join(tmp, "checkpoint.json"), JSON.stringify(header, null, 1));
  // Publish atomically: a crash mid-write never leaves a checkpoint that looks complete.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

export function readCheckpoint(dir: string): CheckpointContents {
  let header: CheckpointHeader;
  try {
    header = CheckpointHeaderSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, "checkpoint.json"), "utf8")));
  } catch (err) {
    throw new CheckpointError(`${dir} is not a readable Isobar training checkpoint: ${(err as Error).message.split("\n")[0]}`);
  }
  const bytes = fs.readFileSync(path.join(dir, "arrays.bin"));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const pick = (group: string) =>
    header.arrays.filter((a) => a.group === group).map((a) => ({ name: a.name, shape: a.shape, data: all.slice(a.offset, a.offset + a.length) }));
  const graphFile = path.join(dir, "graph.bin");
  const graph = fs.existsSync(graphFile) ? deserializeGraph(new Uint8Array(fs.readFileSync(graphFile))) : null;
  const { format: _f, version: _v, arrays: _a, ...rest } = header;
  return { ...rest, params: pick("params"), adamM: pick("adam_m"), adamV: pick("adam_v"), graph };
}
