import { z } from "zod";
import type { NamedArray } from "./params";

/**
 * Named float32 arrays in one buffer (model weights, optimizer moments):
 *   "ISOARRAY" | u32 LE header length H | H bytes JSON header | pad to 8 | float32 LE blobs, 8-aligned
 * Header: {arrays: [{name, shape, offset}]} (offsets from the start of the blob area).
 */
const MAGIC = "ISOARRAY";
const HeaderSchema = z.object({
  format: z.literal("isobar-arrays"),
  version: z.literal(1),
  arrays: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() })),
  meta: z.record(z.string(), z.unknown()).default({}),
});

const pad8 = (n: number) => (n + 7) & ~7;

export function packArrays(arrays: NamedArray[], meta: Record<string, unknown> = {}): Uint8Array {
  let offset = 0;
  const entries = arrays.map((a) => {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (size !== a.data.length) throw new Error(`array ${a.name}: shape [${a.shape}] does not match ${a.data.length} values`);
    const e = { name: a.name, shape: a.shape, offset };
    offset = pad8(offset + a.data.byteLength);
    return e;
  });
  const json = new TextEncoder().encode(JSON.stringify({ format: "isobar-arrays", version: 1, arrays: entries, meta }));
  const start = pad8(12 + json.length);
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  arrays.forEach((a, i) => out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), start + entries[i].offset));
  return out;
}

export function unpackArrays(bytes: Uint8Array): { arrays: NamedArray[]; meta: Record<string, unknown> } {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error("not an Isobar array file (bad magic)");
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const parsed = HeaderSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h))));
  if (!parsed.success) throw new Error(`invalid array file header: ${z.prettifyError(parsed.error)}`);
  const start = pad8(12 + h);
  const arrays = parsed.data.arrays.map((a) => {
    const n = a.shape.reduce((p, d) => p * d, 1);
    const s = start + a.offset;
    if (s + 4 * n > bytes.length) throw new Error(`array ${a.name} runs past the end of the file`);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes.subarray(s, s + 4 * n));
    return { name: a.name, shape: a.shape, data };
  });
  return { arrays, meta: parsed.data.meta };
}
