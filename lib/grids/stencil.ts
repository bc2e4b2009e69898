/**
 * An interpolation stencil: the source points and weights that produce one interpolated value.
 * Reused between queries to avoid allocation.
 */
export class Stencil {
  readonly index: Int32Array;
  readonly weight: Float64Array;
  n = 0;

  constructor(capacity: number) {
    this.index = new Int32Array(capacity);
    this.weight = new Float64Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  push(index: number, weight: number): void {
    this.index[this.n] = index;
    this.weight[this.n] = weight;
    this.n++;
  }
}

/**
 * Applies a stencil to a field, NaN-aware: NaN source values are skipped and the remaining
 * weights renormalised; NaN when no valid source value remains (or the stencil is empty, e.g. a
 * point outside a regional grid).
 */
export function applyStencil(values: ArrayLike<number>, st: Stencil): number {
  let sum = 0;
  let wsum = 0;
  for (let e = 0; e < st.n; e++) {
    const v = values[st.index[e]];
    if (v === v) {
      const w = st.weight[e];
      sum += w * v;
      wsum += w;
    }
  }
  return wsum > 0 ? sum / wsum : NaN;
}
