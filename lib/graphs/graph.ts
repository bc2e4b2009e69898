import { z } from "zod";
import type { Grid } from "@/lib/grids";
import { cutoffEdges, ensureCoverage, finaliseEdges, knnEdges, multiScaleEdges, type EdgeList, type EdgeSet } from "./edges";
import { refinedIcosahedron } from "./icosahedron";
import { gridNodes, healpixNodes, icosahedralNodes, octahedralNodes, type NodeSet } from "./nodes";

const posInt = z.number().int().positive();

export const EdgeBuilderSchema = z.discriminatedUnion("method", [
  z.object({ method: z.literal("knn"), num_nearest_neighbours: posInt }),
  z.object({ method: z.literal("cutoff"), cutoff_factor: z.number().positive(), max_num_neighbours: posInt.default(64) }),
]);
export type EdgeBuilder = z.infer<typeof EdgeBuilderSchema>;

/**
 * What to build. Shaped like the `graph` group of the training config (extra keys such as
 * `name`, `file` or `node_attributes` are ignored), with hidden types:
 * - `icosahedral`: refined icosahedron, `resolution` = refinement level r (10·4^r + 2 nodes);
 * - `octahedral`: reduced Gaussian grid O<resolution>;
 * - `healpix`: HEALPix grid with nside = resolution (ring order).
 */
export const GraphSpecSchema = z.object({
  hidden: z.object({
    type: z.enum(["icosahedral", "octahedral", "healpix"]),
    resolution: z.number().int().nonnegative(),
  }),
  encoder: EdgeBuilderSchema,
  decoder: EdgeBuilderSchema,
  processor: z.discriminatedUnion("method", [
    z.object({ method: z.literal("multiscale"), x_hops: posInt.default(1) }),
    z.object({ method: z.literal("knn"), num_nearest_neighbours: posInt }),
  ]),
});
export type GraphSpec = z.infer<typeof GraphSpecSchema>;
export type GraphSpecInput = z.input<typeof GraphSpecSchema>;

/** An encoder–processor–decoder graph: data → hidden, hidden → hidden, hidden → data. */
export interface EncProcDecGraph {
  readonly spec: GraphSpec;
  readonly nodes: { readonly data: NodeSet; readonly hidden: NodeSet };
  readonly edges: { readonly encoder: EdgeSet; readonly processor: EdgeSet; readonly decoder: EdgeSet };
}

export class GraphSpecError extends Error {}

function buildEdges(b: EdgeBuilder, source: NodeSet, target: NodeSet): EdgeList {
  return b.method === "knn"
    ? knnEdges(source, target, b.num_nearest_neighbours)
    : cutoffEdges(source, target, b.cutoff_factor, b.max_num_neighbours);
}

/**
 * Builds the graph for a data grid. Every data node has at least one encoder edge and at least
 * one decoder edge: data nodes that the chosen builder leaves out are connected to their nearest
 * hidden node (anemoi leaves them out silently; they would then never be seen or predicted).
 */
export function buildGraph(dataGrid: Grid, specInput: GraphSpecInput): EncProcDecGraph {
  const parsed = GraphSpecSchema.safeParse(specInput);
  if (!parsed.success) throw new GraphSpecError(`invalid graph spec: ${z.prettifyError(parsed.error)}`);
  const spec = parsed.data;
  const data = gridNodes("data", dataGrid);
  const { type, resolution } = spec.hidden;
  const mesh = type === "icosahedral" ? refinedIcosahedron(resolution) : null;
  let hidden: NodeSet;
  if (mesh) hidden = icosahedralNodes("hidden", mesh);
  else if (type === "octahedral") {
    if (resolution < 1) throw new GraphSpecError("octahedral hidden grid needs resolution ≥ 1");
    hidden = octahedralNodes("hidden", resolution);
  } else {
    if (resolution < 1) throw new GraphSpecError("healpix hidden grid needs nside ≥ 1");
    hidden = healpixNodes("hidden", resolution);
  }

  const enc = buildEdges(spec.encoder, data, hidden);
  ensureCoverage(enc, data, hidden, "source");
  const dec = buildEdges(spec.decoder, hidden, data);
  ensureCoverage(dec, hidden, data, "target");
  let proc: EdgeList;
  if (spec.processor.method === "multiscale") {
    if (!mesh) throw new GraphSpecError(`multiscale processor edges need an icosahedral hidden mesh, not '${type}'`);
    proc = multiScaleEdges(mesh, spec.processor.x_hops);
  } else {
    proc = knnEdges(hidden, hidden, spec.processor.num_nearest_neighbours, true);
  }
  return {
    spec,
    nodes: { data, hidden },
    edges: {
      encoder: finaliseEdges("encoder", enc, data, hidden),
      processor: finaliseEdges("processor", proc, hidden, hidden),
      decoder: finaliseEdges("decoder", dec, hidden, data),
    },
  };
}

export interface DegreeStats {
  min: number;
  mean: number;
  max: number;
}

export interface GraphSummary {
  nodes: { name: string; size: number }[];
  edges: {
    name: string;
    source: string;
    target: string;
    size: number;
    /** Incoming edges per target node. */
    inDegree: DegreeStats;
    /** Outgoing edges per source node. */
    outDegree: DegreeStats;
    /** Great-circle length in degrees. */
    lengthDeg: DegreeStats;
  }[];
}

function stats(counts: Int32Array | Float64Array): DegreeStats {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const c of counts) {
    min = Math.min(min, c);
    max = Math.max(max, c);
    sum += c;
  }
  return counts.length ? { min, mean: sum / counts.length, max } : { min: 0, mean: 0, max: 0 };
}

/** Node and edge counts with degree and length statistics per edge set. */
export function inspectGraph(g: EncProcDecGraph): GraphSummary {
  const nodeSets: Record<string, NodeSet> = { data: g.nodes.data, hidden: g.nodes.hidden };
  return {
    nodes: Object.values(nodeSets).map((n) => ({ name: n.name, size: n.size })),
    edges: [g.edges.encoder, g.edges.processor, g.edges.decoder].map((e) => {
      const s = nodeSets[e.source], t = nodeSets[e.target];
      const inDeg = new Int32Array(t.size);
      const outDeg = new Int32Array(s.size);
      const len = new Float64Array(e.size);
      for (let q = 0; q < e.size; q++) {
        inDeg[e.dst[q]]++;
        outDeg[e.src[q]]++;
        const a = 3 * e.src[q], b = 3 * e.dst[q];
        const dot = s.xyz[a] * t.xyz[b] + s.xyz[a + 1] * t.xyz[b + 1] + s.xyz[a + 2] * t.xyz[b + 2];
        len[q] = (Math.acos(Math.max(-1, Math.min(1, dot))) * 180) / Math.PI;
      }
      return { name: e.name, source: e.source, target: e.target, size: e.size, inDegree: stats(inDeg), outDegree: stats(outDeg), lengthDeg: stats(len) };
    }),
  };
}
