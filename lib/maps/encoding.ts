/**
 * Field encodings for transfer to the browser:
 * - `f32`: IEEE float32, little-endian, exact;
 * - `q16`: 16-bit quantisation with a per-field offset and scale. Codes 0…65534 map to
 *   offset + code·scale; code 65535 is reserved for NaN. The error is at most scale/2, where
 *   scale = (max − min)/65534.
 */

export type FieldEncoding = "f32" | "q16";

/** The code reserved for NaN in `q16`. */
export const Q16_NAN = 0xffff;
/** Largest code for a finite value. */
export const Q16_MAX = 0xfffe;

export type Quantised = { codes: Uint16Array; offset: number; scale: number };

/** Finite minimum and maximum of a field (NaN/±Infinity ignored); both NaN when none is finite. */
export function finiteRange(values: ArrayLike<number>): { min: number; max: number; nanCount: number } {
  let min = Infinity;
  let max = -Infinity;
  let nanCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v || v === Infinity || v === -Infinity) {
      nanCount++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { min: NaN, max: NaN, nanCount };
  return { min, max, nanCount };
}

/** Quantises to 16 bits over the field's own range (non-finite values → {@link Q16_NAN}). */
export function quantise16(values: ArrayLike<number>, range = finiteRange(values)): Quantised {
  const n = values.length;
  const codes = new Uint16Array(n);
  const offset = Number.isFinite(range.min) ? range.min : 0;
  const span = Number.isFinite(range.max) ? range.max - offset : 0;
  // A constant field still needs a positive scale so that decoding is well defined.
  const scale = span > 0 ? span / Q16_MAX : 1;
  const inv = 1 / scale;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v || v === Infinity || v === -Infinity) {
      codes[i] = Q16_NAN;
      continue;
    }
    let c = Math.round((v - offset) * inv);
    if (c < 0) c = 0;
    else if (c > Q16_MAX) c = Q16_MAX;
    codes[i] = c;
  }
  return { codes, offset, scale };
}

/** Decodes `q16` codes into float32 values (NaN for {@link Q16_NAN}). */
export function dequantise16(codes: Uint16Array, offset: number, scale: number, out = new Float32Array(codes.length)): Float32Array {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    out[i] = c === Q16_NAN ? NaN : offset + c * scale;
  }
  return out;
}

/** The largest decoding error of `q16` for a field with this range: half a quantisation step. */
export function q16ErrorBound(min: number, max: number): number {
  const span = max - min;
  return span > 0 ? span / Q16_MAX / 2 : 0;
}
