/** Deterministic pseudo-random data for the verification tests (not used by production code). */

import { mulberry32 as rng } from "@/lib/random/mulberry32";

/** Deterministic PRNG so tests are reproducible. */
export { rng };

/** Standard normal draws (Box–Muller). */
export function normal(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function float32Field(n: number, f: (p: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = f(p);
  return out;
}
