/**
 * Per-variable statistics accumulated in one streaming pass, with anemoi-datasets 0.5.x
 * semantics: NaNs are ignored (n = non-NaN count), mean = Σx/n, var = Σx²/n − mean² (population
 * variance, tiny negatives clamped to 0), stdev = √var. Sums are float64.
 */

export type Statistics = {
  mean: Float64Array;
  stdev: Float64Array;
  minimum: Float64Array;
  maximum: Float64Array;
};

export type FullStatistics = Statistics & {
  sums: Float64Array;
  squares: Float64Array;
  count: Float64Array;
  hasNans: Uint8Array;
};

export const STATISTICS_ARRAYS = ["mean", "stdev", "minimum", "maximum", "sums", "squares", "count", "has_nans"] as const;

export class StatisticsAccumulator {
  readonly sums: Float64Array;
  readonly squares: Float64Array;
  readonly count: Float64Array;
  readonly minimum: Float64Array;
  readonly maximum: Float64Array;
  readonly hasNans: Uint8Array;

  constructor(readonly nvars: number) {
    this.sums = new Float64Array(nvars);
    this.squares = new Float64Array(nvars);
    this.count = new Float64Array(nvars);
    this.minimum = new Float64Array(nvars).fill(Infinity);
    this.maximum = new Float64Array(nvars).fill(-Infinity);
    this.hasNans = new Uint8Array(nvars);
  }

  /**
   * Add one date: `values` laid out (variables, ensembles, points), as in one `data` chunk.
   * Sums are taken per variable slice first, then added, so the result only depends on the
   * order of dates (which makes resumed builds bit-identical to uninterrupted ones).
   */
  add(values: Float32Array, ensembles: number, points: number): void {
    const per = ensembles * points;
    for (let v = 0; v < this.nvars; v++) {
      let s = 0;
      let q = 0;
      let n = 0;
      let lo = Infinity;
      let hi = -Infinity;
      let nan = false;
      const off = v * per;
      for (let i = 0; i < per; i++) {
        const x = values[off + i];
        if (x !== x) {
          nan = true;
          continue;
        }
        s += x;
        q += x * x;
        n++;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      this.sums[v] += s;
      this.squares[v] += q;
      this.count[v] += n;
      if (lo < this.minimum[v]) this.minimum[v] = lo;
      if (hi > this.maximum[v]) this.maximum[v] = hi;
      if (nan) this.hasNans[v] = 1;
    }
  }

  finalise(): FullStatistics {
    const n = this.nvars;
    const mean = new Float64Array(n);
    const stdev = new Float64Array(n);
    const minimum = new Float64Array(n);
    const maximum = new Float64Array(n);
    for (let v = 0; v < n; v++) {
      const c = this.count[v];
      if (c === 0) {
        mean[v] = stdev[v] = minimum[v] = maximum[v] = NaN;
        continue;
      }
      mean[v] = this.sums[v] / c;
      let variance = this.squares[v] / c - mean[v] * mean[v];
      if (variance < 0) variance = 0;
      stdev[v] = Math.sqrt(variance);
      minimum[v] = this.minimum[v];
      maximum[v] = this.maximum[v];
    }
    return {
      mean,
      stdev,
      minimum,
      maximum,
      sums: this.sums.slice(),
      squares: this.squares.slice(),
      count: this.count.slice(),
      hasNans: this.hasNans.slice(),
    };
  }

  /** Exact snapshot (float64 bytes, base64) for resumable builds. */
  serialise(): string {
    const n = this.nvars;
    const buf = new Float64Array(6 * n);
    buf.set(this.sums, 0);
    buf.set(this.squares, n);
    buf.set(this.count, 2 * n);
    buf.set(this.minimum, 3 * n);
    buf.set(this.maximum, 4 * n);
    for (let v = 0; v < n; v++) buf[5 * n + v] = this.hasNans[v];
    return Buffer.from(buf.buffer).toString("base64");
  }

  static deserialise(nvars: number, text: string): StatisticsAccumulator {
    const bytes = Buffer.from(text, "base64");
    if (bytes.length !== 6 * nvars * 8) throw new Error(`statistics snapshot has ${bytes.length} bytes, expected ${6 * nvars * 8}`);
    const buf = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const acc = new StatisticsAccumulator(nvars);
    acc.sums.set(buf.subarray(0, nvars));
    acc.squares.set(buf.subarray(nvars, 2 * nvars));
    acc.count.set(buf.subarray(2 * nvars, 3 * nvars));
    acc.minimum.set(buf.subarray(3 * nvars, 4 * nvars));
    acc.maximum.set(buf.subarray(4 * nvars, 5 * nvars));
    for (let v = 0; v < nvars; v++) acc.hasNans[v] = buf[5 * nvars + v];
    return acc;
  }
}

/** Pick the statistics of some variables (by index) from a full set. */
export function selectStatistics(stats: Statistics, indices: readonly number[]): Statistics {
  const pick = (a: Float64Array) => Float64Array.from(indices, (i) => a[i]);
  return { mean: pick(stats.mean), stdev: pick(stats.stdev), minimum: pick(stats.minimum), maximum: pick(stats.maximum) };
}
