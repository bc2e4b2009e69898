import { z } from "zod";
import { GridDescriptorSchema } from "@/lib/grids";
import type { EdgeSet } from "./edges";
import { NUM_EDGE_ATTRIBUTES } from "./edges";
import { GraphSpecSchema, type EncProcDecGraph } from "./graph";
import type { NodeSet } from "./nodes";

/**
 * Compact binary form of a graph, saved inside checkpoints:
 *
 *   "ISOGRAPH" (8 bytes) | u32 LE header length H | H bytes of UTF-8 JSON header | zero padding to
 *   a multiple of 8 | array blobs (little-endian, each starting at a multiple of 8)
 *
 * The header (validated with zod on load) records the spec, the node and edge sets and, per
 * array, its dtype, element count and byte offset from the start of the blob area.
 */
export const GRAPH_MAGIC = "ISOGRAPH";
export const GRAPH_FORMAT_VERSION = 1;

const DTYPES = { float64: Float64Array, float32: Float32Array, int32: Int32Array } as const;
type DType = keyof typeof DTYPES;
type AnyArray = Float64Array | Float32Array | Int32Array;

const ArrayRefSchema = z.object({ dtype: z.enum(["float64", "float32", "int32"]), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });
const NodeHeaderSchema = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  grid: GridDescriptorSchema.nullable(),
  arrays: z.object({ latitudes: ArrayRefSchema, longitudes: ArrayRefSchema, areaWeight: ArrayRefSchema }),
});
const EdgeHeaderSchema = z.object({
  name: z.string(),
  source: z.enum(["data", "hidden"]),
  target: z.enum(["data", "hidden"]),
  size: z.number().int().nonnegative(),
  arrays: z.object({ src: ArrayRefSchema, dst: ArrayRefSchema, attributes: ArrayRefSchema }),
});
export const GraphHeaderSchema = z.object({
  format: z.literal("isobar-graph"),
  version: z.literal(GRAPH_FORMAT_VERSION),
  spec: GraphSpecSchema,
  nodes: z.object({ data: NodeHeaderSchema, hidden: NodeHeaderSchema }),
  edges: z.object({ encoder: EdgeHeaderSchema, processor: EdgeHeaderSchema, decoder: EdgeHeaderSchema }),
});
export type GraphHeader = z.infer<typeof GraphHeaderSchema>;

export class GraphFormatError extends Error {}

function littleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("graph serialisation assumes a little-endian platform");
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Serialises a graph to bytes (see the format above). */
export function serializeGraph(g: EncProcDecGraph): Uint8Array {
  littleEndian();
  const blobs: AnyArray[] = [];
  let offset = 0;
  const ref = (a: AnyArray) => {
    const dtype: DType = a instanceof Float64Array ? "float64" : a instanceof Float32Array ? "float32" : "int32";
    const r = { dtype, offset, length: a.length };
    blobs.push(a);
    offset = pad8(offset + a.byteLength);
    return r;
  };
  const node = (n: NodeSet) => ({
    name: n.name,
    size: n.size,
    // An unstructured descriptor may hold typed arrays: store them as plain JSON arrays.
    grid: n.grid ? (JSON.parse(JSON.stringify(n.grid, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v))) as GraphHeader["nodes"]["data"]["grid"]) : null,
    arrays: { latitudes: ref(n.latitudes), longitudes: ref(n.longitudes), areaWeight: ref(n.areaWeight) },
  });
  const edge = (e: EdgeSet) => ({
    name: e.name,
    source: e.source as "data" | "hidden",
    target: e.target as "data" | "hidden",
    size: e.size,
    arrays: { src: ref(e.src), dst: ref(e.dst), attributes: ref(e.attributes) },
  });
  const header: GraphHeader = {
    format: "isobar-graph",
    version: GRAPH_FORMAT_VERSION,
    spec: g.spec,
    nodes: { data: node(g.nodes.data), hidden: node(g.nodes.hidden) },
    edges: { encoder: edge(g.edges.encoder), processor: edge(g.edges.processor), decoder: edge(g.edges.decoder) },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = pad8(12 + json.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(GRAPH_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let o = dataStart;
  for (const b of blobs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), o);
    o += pad8(b.byteLength);
  }
  return out;
}

function unitVectors(lat: Float64Array, lon: Float64Array): Float64Array {
  const xyz = new Float64Array(3 * lat.length);
  for (let i = 0; i < lat.length; i++) {
    const p = (lat[i] * Math.PI) / 180, l = (lon[i] * Math.PI) / 180;
    xyz[3 * i] = Math.cos(p) * Math.cos(l);
    xyz[3 * i + 1] = Math.cos(p) * Math.sin(l);
    xyz[3 * i + 2] = Math.sin(p);
  }
  return xyz;
}

/** Reads a graph written by serializeGraph; throws GraphFormatError with the reason if malformed. */
export function deserializeGraph(bytes: Uint8Array): EncProcDecGraph {
  littleEndian();
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== GRAPH_MAGIC) throw new GraphFormatError("not an Isobar graph (bad magic)");
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + h > bytes.length) throw new GraphFormatError("truncated graph header");
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h)));
  } catch (e) {
    throw new GraphFormatError(`graph header is not JSON: ${(e as Error).message}`);
  }
  const parsed = GraphHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new GraphFormatError(`invalid graph header: ${z.prettifyError(parsed.error)}`);
  const header = parsed.data;
  const dataStart = pad8(12 + h);
  const read = (r: z.infer<typeof ArrayRefSchema>, what: string, expected: number): AnyArray => {
    const C = DTYPES[r.dtype];
    const start = dataStart + r.offset;
    const end = start + r.length * C.BYTES_PER_ELEMENT;
    if (end > bytes.length) throw new GraphFormatError(`${what}: array runs past the end of the data`);
    if (r.length !== expected) throw new GraphFormatError(`${what}: expected ${expected} values, found ${r.length}`);
    const copy = new Uint8Array(end - start);
    copy.set(bytes.subarray(start, end));
    return new C(copy.buffer);
  };
  const node = (n: GraphHeader["nodes"]["data"]): NodeSet => {
    const latitudes = read(n.arrays.latitudes, `${n.name}.latitudes`, n.size) as Float64Array;
    const longitudes = read(n.arrays.longitudes, `${n.name}.longitudes`, n.size) as Float64Array;
    return { name: n.name, size: n.size, latitudes, longitudes, xyz: unitVectors(latitudes, longitudes), grid: n.grid, areaWeight: read(n.arrays.areaWeight, `${n.name}.areaWeight`, n.size) as Float32Array };
  };
  const nodes = { data: node(header.nodes.data), hidden: node(header.nodes.hidden) };
  const edge = (e: GraphHeader["edges"]["encoder"]): EdgeSet => {
    const src = read(e.arrays.src, `${e.name}.src`, e.size) as Int32Array;
    const dst = read(e.arrays.dst, `${e.name}.dst`, e.size) as Int32Array;
    const ns = nodes[e.source].size, nt = nodes[e.target].size;
    for (let q = 0; q < e.size; q++) {
      if (src[q] < 0 || src[q] >= ns || dst[q] < 0 || dst[q] >= nt) throw new GraphFormatError(`${e.name}: edge ${q} refers to a missing node`);
      if (q > 0 && dst[q] < dst[q - 1]) throw new GraphFormatError(`${e.name}: edges are not sorted by target`);
    }
    return { name: e.name, source: e.source, target: e.target, size: e.size, src, dst, attributes: read(e.arrays.attributes, `${e.name}.attributes`, e.size * NUM_EDGE_ATTRIBUTES) as Float32Array };
  };
  return {
    spec: header.spec,
    nodes,
    edges: { encoder: edge(header.edges.encoder), processor: edge(header.edges.processor), decoder: edge(header.edges.decoder) },
  };
}
