import { DEFAULT_IDW_K, type Grid, type InterpolationMethod } from "./grid";
import { Stencil } from "./stencil";

/**
 * A precomputed interpolation operator from one grid to another: for every destination point a
 * fixed number (`width`) of source indices and weights (−1 / 0 for unused slots). Build it once per
 * grid pair and apply it to any number of fields.
 */
export interface RegridOperator {
  readonly sourceId: string;
  readonly targetId: string;
  readonly method: InterpolationMethod;
  readonly sourceSize: number;
  readonly targetSize: number;
  readonly width: number;
  /** targetSize × width source indices, −1 where unused. */
  readonly indices: Int32Array;
  /** targetSize × width weights (summing to 1 per target point, or all 0 outside the source). */
  readonly weights: Float32Array;
  /**
   * Interpolates a field given on the source grid (native order). NaN-aware: NaN source values
   * are skipped and the remaining weights renormalised; NaN where nothing valid remains or the
   * target point lies outside a regional source grid.
   */
  apply<T extends Float32Array | Float64Array = Float32Array>(field: ArrayLike<number>, out?: T): T;
}

export interface RegridOptions {
  /** Neighbours for "idw" (default 4). */
  k?: number;
}

/**
 * Builds the interpolation operator from src to dst.
 * - "nearest": the great-circle nearest source point (exact, k-d tree).
 * - "linear": bilinear (regular), row-wise linear (Gaussian, HEALPix), IDW k = 4 (unstructured).
 * - "idw": inverse-distance-squared over the k nearest source points.
 */
export function regrid(src: Grid, dst: Grid, method: InterpolationMethod = "linear", options: RegridOptions = {}): RegridOperator {
  const k = options.k ?? DEFAULT_IDW_K;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const width = method === "nearest" ? 1 : method === "idw" ? k : Math.max(4, DEFAULT_IDW_K);
  const m = dst.size;
  const indices = new Int32Array(m * width).fill(-1);
  const weights = new Float32Array(m * width);
  const lats = dst.latitudes;
  const lons = dst.longitudes;
  if (method === "nearest") {
    for (let i = 0; i < m; i++) {
      indices[i] = src.nearest(lats[i], lons[i]);
      weights[i] = 1;
    }
  } else {
    const st = new Stencil(Math.max(width, 8));
    for (let i = 0; i < m; i++) {
      src.stencil(lats[i], lons[i], method, st, k);
      if (st.n > width) throw new Error(`internal: stencil of ${st.n} points exceeds width ${width}`);
      const o = i * width;
      for (let e = 0; e < st.n; e++) {
        indices[o + e] = st.index[e];
        weights[o + e] = st.weight[e];
      }
    }
  }
  return makeOperator(src, dst, method, width, indices, weights);
}

function makeOperator(
  src: Grid,
  dst: Grid,
  method: InterpolationMethod,
  width: number,
  indices: Int32Array,
  weights: Float32Array,
): RegridOperator {
  const targetSize = dst.size;
  const sourceSize = src.size;
  return {
    sourceId: src.id,
    targetId: dst.id,
    method,
    sourceSize,
    targetSize,
    width,
    indices,
    weights,
    apply<T extends Float32Array | Float64Array = Float32Array>(field: ArrayLike<number>, out?: T): T {
      if (field.length !== sourceSize) throw new Error(`field has ${field.length} values, source grid ${src.id} has ${sourceSize}`);
      const res = (out ?? new Float32Array(targetSize)) as T;
      if (res.length !== targetSize) throw new Error(`output has ${res.length} values, target grid ${dst.id} has ${targetSize}`);
      if (width === 1) {
        for (let i = 0; i < targetSize; i++) {
          const j = indices[i];
          res[i] = j >= 0 ? field[j] : NaN;
        }
        return res;
      }
      for (let i = 0, o = 0; i < targetSize; i++, o += width) {
        let sum = 0;
        let wsum = 0;
        for (let e = 0; e < width; e++) {
          const j = indices[o + e];
          if (j < 0) break;
          const v = field[j];
          if (v === v) {
            const w = weights[o + e];
            sum += w * v;
            wsum += w;
          }
        }
        res[i] = wsum > 0 ? sum / wsum : NaN;
      }
      return res;
    },
  };
}
