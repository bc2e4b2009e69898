import fs from "node:fs";
import type http from "node:http";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import {
  deserializeGraph,
  encodeGraphView,
  GRAPH_VIEW_CONTENT_TYPE,
  GraphEdgeChoiceSchema,
  GraphFormatError,
  graphView,
  graphViewJson,
  GraphViewError,
  MAX_GRAPH_EDGE_LIMIT,
  type EncProcDecGraph,
} from "../../lib/graphs";
import { CheckpointError, unpackCheckpoint } from "../../lib/inference/checkpoint";
import { checkpoints, runs } from "../db/schema";
import type { Services } from "../services";
import { HttpError, send, sendJson } from "./fields";

/**
 * The graph service (docs/graphs.md, docs/maps.md): the encoder–processor–decoder graph stored in a
 * registered checkpoint, for drawing it on the map.
 *
 * `GET /api/graphs/<checkpoint id>[?edges=processor|encoder|decoder|none][&stride=N][&limit=N][&format=bin|json]`
 *
 * Answers the node positions of every node set and one edge set (default `processor`), every
 * `stride`-th edge up to `limit` (the stride is raised so that at most `limit` edges come back),
 * in the binary graph-view form of lib/graphs/view.ts (`format=bin`, default) or as JSON. The
 * header says how many edges were left out. 400 for bad parameters, 404 for an unknown
 * checkpoint or a missing file, 422 for a checkpoint without a graph or with an unreadable one.
 */

export function isGraphsPath(pathname: string): boolean {
  return pathname.startsWith("/api/graphs/");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const intParam = (what: string, hi: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a positive integer`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${what} must be ≥ 1`).max(hi, `${what} must be ≤ ${hi}`));

export const GraphQuerySchema = z.object({
  edges: z.enum(GraphEdgeChoiceSchema.options, { message: "edges must be an edge set: processor, encoder, decoder or none" }).default("processor"),
  stride: intParam("stride", 1_000_000_000).optional(),
  limit: intParam("limit", MAX_GRAPH_EDGE_LIMIT).optional(),
  format: z.enum(["bin", "json"], { message: "format must be bin or json" }).default("bin"),
});
export type GraphQuery = z.infer<typeof GraphQuerySchema>;

/** Deserialised graphs by checkpoint path and file modification time (a few, least recently used out). */
const cache = new Map<string, { stamp: number; graph: Promise<EncProcDecGraph> }>();
const MAX_CACHED = 4;

function loadGraph(file: string, label: string): Promise<EncProcDecGraph> {
  let stamp: number;
  try {
    stamp = fs.statSync(file).mtimeMs;
  } catch {
    throw new HttpError(404, `the file of checkpoint ${label} is missing: ${file}`);
  }
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) {
    cache.delete(file);
    cache.set(file, hit);
    return hit.graph;
  }
  const graph = fs.promises.readFile(file).then((buf) => {
    let bytes: Uint8Array | null;
    try {
      bytes = unpackCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)).graph;
    } catch (e) {
      if (e instanceof CheckpointError) throw new HttpError(422, `checkpoint ${label} cannot be read: ${e.message}`);
      throw e;
    }
    if (!bytes) throw new HttpError(422, `checkpoint ${label} holds no graph (a per-point MLP or a bring-your-own ONNX model): only graph models have one`);
    try {
      return deserializeGraph(bytes);
    } catch (e) {
      if (e instanceof GraphFormatError) throw new HttpError(422, `the graph in checkpoint ${label} is invalid: ${e.message}`);
      throw e;
    }
  });
  cache.set(file, { stamp, graph });
  graph.catch(() => cache.delete(file));
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return graph;
}

/** The view of a registered checkpoint's graph (exported for tests). */
export async function checkpointGraphView(services: Services, id: string, q: GraphQuery) {
  if (!UUID.test(id)) throw new HttpError(400, `'${id}' is not a checkpoint id: use the id of a registered checkpoint (a uuid, listed on the run page)`);
  const db = services.storage.db;
  const [row] = await db.select().from(checkpoints).where(eq(checkpoints.id, id));
  if (!row) throw new HttpError(404, `no registered checkpoint with id ${id}`);
  const [run] = await db.select({ name: runs.name }).from(runs).where(eq(runs.id, row.runId));
  const siblings = await db.select({ id: checkpoints.id, step: checkpoints.step, kind: checkpoints.kind }).from(checkpoints).where(eq(checkpoints.runId, row.runId)).orderBy(asc(checkpoints.step));
  const graph = await loadGraph(row.path, `${id} (run ${run?.name ?? row.runId}, step ${row.step})`);
  try {
    return graphView(graph, {
      edges: q.edges,
      stride: q.stride,
      limit: q.limit,
      source: { checkpoint: id, runId: row.runId, runName: run?.name ?? null, step: row.step, kind: row.kind, runCheckpoints: siblings, spec: graph.spec },
    });
  } catch (e) {
    if (e instanceof GraphViewError) throw new HttpError(400, e.message);
    throw e;
  }
}

export async function handleGraphsRequest(req: http.IncomingMessage, res: http.ServerResponse, services: Services): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "use GET");
    const id = decodeURIComponent(url.pathname.slice("/api/graphs/".length)).replace(/\/$/, "");
    if (!id || id.includes("/")) throw new HttpError(404, `no such endpoint ${url.pathname}: use /api/graphs/<checkpoint id>`);
    const r = GraphQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!r.success) {
      const i = r.error.issues[0];
      throw new HttpError(400, `${i.path.join(".") || "query"}: ${i.message}`);
    }
    const view = await checkpointGraphView(services, id, r.data);
    if (r.data.format === "json") sendJson(req, res, 200, graphViewJson(view), "private, max-age=60");
    else send(req, res, 200, encodeGraphView(view), { "content-type": GRAPH_VIEW_CONTENT_TYPE, "cache-control": "private, max-age=60" });
  } catch (e) {
    const status = e instanceof HttpError ? e.status : 500;
    if (status === 500) console.error(`[isobar] ${url.pathname} failed:`, e);
    if (!res.headersSent) sendJson(req, res, status, { error: e instanceof Error ? e.message : String(e) });
    else res.end();
  }
}
