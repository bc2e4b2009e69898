/**
 * Counter-based random numbers: every value is a pure function of (seed, stream, mode, step),
 * so any step of any mode can be drawn without generating the ones before it. No Math.random.
 *
 * The mixer is the 32-bit MurmurHash3 finaliser (a bijection on uint32) applied in a short
 * chain: key words are absorbed one after another, and each draw mixes the counter twice with
 * two independent 32-bit keys. Quality is more than enough for a toy atmosphere (checked in
 * rng.test.ts: moments, lag and cross correlations).
 */

/** MurmurHash3 fmix32: avalanche a 32-bit word (a bijection). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** Absorbs the words into one 32-bit hash. */
export function hashWords(...words: number[]): number {
  let h = 0x2545f491;
  for (const w of words) h = fmix32((h ^ (w >>> 0)) + GOLDEN);
  return h;
}

/** A pair of 32-bit keys for one (seed, stream, mode) triple. */
export type StreamKey = { a: number; b: number };

/** Keys for mode `mode` of stream `stream` (e.g. one spectral mode of one mode set). Seeds may be any safe integer. */
export function streamKey(seed: number, stream: number, mode: number): StreamKey {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return { a: hashWords(lo, hi, stream, mode, 1), b: hashWords(lo, hi, stream, mode, 2) };
}

/** Uniform uint32 for counter `c` (any int32) and lane 0/1. */
export function draw32(ka: number, kb: number, c: number, lane: number): number {
  const x = fmix32(((c << 1) | lane) ^ ka);
  return fmix32((x + kb) | 0);
}

const TWO32 = 4294967296;
const TWO_PI = 2 * Math.PI;

/**
 * Two independent standard normals for step `c` (Box–Muller on two 32-bit uniforms; the tails
 * are cut at ±6.66σ). Writes out[0], out[1].
 */
export function normalPair(ka: number, kb: number, c: number, out: Float64Array): void {
  const u1 = (draw32(ka, kb, c, 0) + 0.5) / TWO32; // (0, 1)
  const u2 = draw32(ka, kb, c, 1) / TWO32;
  const r = Math.sqrt(-2 * Math.log(u1));
  const t = TWO_PI * u2;
  out[0] = r * Math.cos(t);
  out[1] = r * Math.sin(t);
}
