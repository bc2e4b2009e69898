import { z } from "zod";
import { dequantise16, finiteRange, quantise16, type FieldEncoding } from "./encoding";

/**
 * The binary field envelope sent by `/api/fields`:
 *
 * | bytes | content |
 * |---|---|
 * | 0–3 | magic `ISOF` |
 * | 4–7 | header length H (uint32, little-endian) |
 * | 8 … 8+H | header, UTF-8 JSON ({@link FieldHeaderSchema}), space-padded so that the body starts at a multiple of 4 |
 * | … | body: little-endian float32 (`f32`) or uint16 codes (`q16`), one value per grid point in native order |
 */

export const FIELD_MAGIC = "ISOF";
export const FIELD_CONTENT_TYPE = "application/vnd.isobar.field";

const num = z.number().nullable(); // JSON has no NaN: an all-NaN field has min = max = null

export const FieldHeaderSchema = z.object({
  version: z.literal(1),
  gridId: z.string().min(1),
  variable: z.string().min(1),
  /** Units of the stored values (before any display conversion), ECMWF spelling ("K", "m**2 s**-2"). */
  units: z.string(),
  /** Valid date, ISO 8601 UTC. */
  date: z.string().optional(),
  encoding: z.enum(["f32", "q16"]),
  /** [points]: values in the grid's native order. */
  shape: z.tuple([z.number().int().nonnegative()]),
  min: num,
  max: num,
  nanCount: z.number().int().nonnegative(),
  /** q16 only: value = offset + code·scale. */
  offset: z.number().optional(),
  scale: z.number().optional(),
  /** How the field was made, for derived fields ("10u,10v → speed", "a − b"). */
  derived: z.string().optional(),
  /** Where it comes from (dataset description). */
  source: z.string().optional(),
  /** Forecast fields: init time (ISO), lead time (hours) and member (index, "mean" or "spread"); `date` is the valid time. */
  init: z.string().optional(),
  leadHours: z.number().int().optional(),
  member: z.string().optional(),
});
export type FieldHeader = z.infer<typeof FieldHeaderSchema>;

export type DecodedField = { header: FieldHeader; values: Float32Array };

export type EncodeInfo = { gridId: string; variable: string; units: string; date?: string; derived?: string; source?: string; init?: string; leadHours?: number; member?: string };

/** Packs a field into the envelope. */
export function encodeField(values: Float32Array, encoding: FieldEncoding, info: EncodeInfo): Uint8Array {
  const range = finiteRange(values);
  const header: FieldHeader = {
    version: 1,
    ...info,
    encoding,
    shape: [values.length],
    min: Number.isFinite(range.min) ? range.min : null,
    max: Number.isFinite(range.max) ? range.max : null,
    nanCount: range.nanCount,
  };
  let body: Uint8Array;
  if (encoding === "q16") {
    const q = quantise16(values, range);
    header.offset = q.offset;
    header.scale = q.scale;
    body = littleEndianBytes(q.codes);
  } else {
    body = littleEndianBytes(values);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 4) * 4 - 8;
  const out = new Uint8Array(8 + padded + body.length);
  out.set(new TextEncoder().encode(FIELD_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, padded, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  out.set(body, 8 + padded);
  return out;
}

export class FieldFormatError extends Error {}

/** Reads the header only (cheap). */
export function decodeFieldHeader(bytes: Uint8Array): { header: FieldHeader; bodyOffset: number } {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== FIELD_MAGIC) throw new FieldFormatError("not an Isobar field (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = view.getUint32(4, true);
  if (8 + h > bytes.length) throw new FieldFormatError("truncated field header");
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h)));
  } catch {
    throw new FieldFormatError("field header is not JSON");
  }
  const parsed = FieldHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new FieldFormatError(`invalid field header: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  return { header: parsed.data, bodyOffset: 8 + h };
}

/** Unpacks an envelope into float32 values (q16 decoded; NaN restored). */
export function decodeField(bytes: Uint8Array): DecodedField {
  const { header, bodyOffset } = decodeFieldHeader(bytes);
  const n = header.shape[0];
  const width = header.encoding === "q16" ? 2 : 4;
  if (bytes.length - bodyOffset !== n * width) throw new FieldFormatError(`field body has ${bytes.length - bodyOffset} bytes, expected ${n * width}`);
  // Copy to an aligned buffer (the body may sit at any offset of a shared buffer).
  const body = bytes.slice(bodyOffset);
  if (header.encoding === "q16") {
    if (header.offset === undefined || header.scale === undefined) throw new FieldFormatError("q16 field without offset/scale");
    const codes = new Uint16Array(body.buffer, 0, n);
    if (!LITTLE_ENDIAN) swap(body, 2);
    return { header, values: dequantise16(codes, header.offset, header.scale) };
  }
  if (!LITTLE_ENDIAN) swap(body, 4);
  return { header, values: new Float32Array(body.buffer, 0, n) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(a: Float32Array | Uint16Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  if (!LITTLE_ENDIAN) swap(bytes, a.BYTES_PER_ELEMENT);
  return bytes;
}

function swap(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}
