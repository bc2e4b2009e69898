import type { GridDescriptor } from "./descriptor";
import { KdTree3 } from "./kdtree";
import type { RowTable } from "./rowtable";
import { chordToAngle, DEG, toUnit, unitVectors } from "./sphere";
import { applyStencil, Stencil } from "./stencil";

export type GridKind = "regular" | "gaussian" | "healpix" | "unstructured";

/**
 * - "nearest": the cell containing the point, as the map shader finds it (regular and Gaussian:
 *   nearest row then nearest column; HEALPix: ang2pix; unstructured: great-circle nearest).
 * - "linear": bilinear on regular grids, row-wise linear on Gaussian and HEALPix rings (linear in
 *   longitude along the two bracketing rows, then in latitude); inverse-distance (k = 4) on
 *   unstructured grids.
 * - "idw": inverse-distance-squared weighting of the k great-circle nearest points.
 */
export type InterpolationMethod = "nearest" | "linear" | "idw";

/** "area": cell areas (WB2-style for regular grids); "cos-lat": cos φ of each point. */
export type WeightScheme = "area" | "cos-lat";

export interface Grid {
  /** Stable identifier, e.g. "regular-1.5x1.5", "O96", "N320", "H32-ring", "unstructured-<hash>". */
  readonly id: string;
  readonly kind: GridKind;
  /** Number of points. */
  readonly size: number;
  /** Point latitudes (degrees) in the grid's native point order. Do not mutate. */
  readonly latitudes: Float64Array;
  /** Point longitudes (degrees) in the grid's native point order. Do not mutate. */
  readonly longitudes: Float64Array;
  /** JSON-serialisable description that rebuilds this grid (see gridFromDescriptor). */
  readonly descriptor: GridDescriptor;
  /** Cell areas in steradians; they sum to 4π for global grids, to the domain area otherwise. Cached: do not mutate. */
  areas(): Float64Array;
  /** Sum of areas(): 4π for global grids. */
  domainArea(): number;
  /** Weights normalised to mean 1 (as WeatherBench 2). Cached: do not mutate. */
  weights(scheme?: WeightScheme): Float64Array;
  /** Interleaved xyz unit vectors of the points. Cached: do not mutate. */
  unitVectors(): Float64Array;
  /** Index of the great-circle nearest point (exact, via a 3-D k-d tree). */
  nearest(lat: number, lon: number): number;
  /** The k great-circle nearest points, nearest first, with their distances in radians. */
  kNearest(lat: number, lon: number, k: number): { indices: Int32Array; distances: Float64Array };
  /** Fills st with the interpolation stencil at (lat, lon); empty if outside the grid. */
  stencil(lat: number, lon: number, method: InterpolationMethod, st: Stencil, k?: number): void;
  /** Interpolated value of a field (native point order) at (lat, lon); NaN-aware. */
  lookup(values: ArrayLike<number>, lat: number, lon: number, method?: InterpolationMethod): number;
  /** Iso-latitude row table (regular, Gaussian, HEALPix); null for unstructured grids. */
  rowTable(): RowTable | null;
}

export const DEFAULT_IDW_K = 4;

/** Shared machinery: caches, k-d tree, weights, IDW and lookup. */
export abstract class BaseGrid implements Grid {
  abstract readonly id: string;
  abstract readonly kind: GridKind;
  abstract readonly size: number;
  abstract readonly latitudes: Float64Array;
  abstract readonly longitudes: Float64Array;
  abstract readonly descriptor: GridDescriptor;

  private areasCache: Float64Array | null = null;
  private xyzCache: Float64Array | null = null;
  private treeCache: KdTree3 | null = null;
  private readonly weightCache = new Map<WeightScheme, Float64Array>();
  private readonly scratch = new Stencil(64);
  private readonly q = new Float64Array(3);
  private knnIdx = new Int32Array(0);
  private knnD2 = new Float64Array(0);

  /** Cell areas in steradians. */
  protected abstract computeAreas(): Float64Array;

  rowTable(): RowTable | null {
    return null;
  }

  areas(): Float64Array {
    if (!this.areasCache) this.areasCache = this.computeAreas();
    return this.areasCache;
  }

  domainArea(): number {
    return accurateSum(this.areas());
  }

  weights(scheme: WeightScheme = "area"): Float64Array {
    const cached = this.weightCache.get(scheme);
    if (cached) return cached;
    const n = this.size;
    const w = new Float64Array(n);
    if (scheme === "area") w.set(this.areas());
    else for (let i = 0; i < n; i++) w[i] = Math.cos(this.latitudes[i] * DEG);
    normaliseMeanOne(w);
    this.weightCache.set(scheme, w);
    return w;
  }

  unitVectors(): Float64Array {
    if (!this.xyzCache) this.xyzCache = unitVectors(this.latitudes, this.longitudes);
    return this.xyzCache;
  }

  /** The k-d tree over the points (built on first use, O(n log n)). */
  kdTree(): KdTree3 {
    if (!this.treeCache) this.treeCache = new KdTree3(this.unitVectors());
    return this.treeCache;
  }

  nearest(lat: number, lon: number): number {
    toUnit(lat, lon, this.q);
    return this.kdTree().nearest(this.q[0], this.q[1], this.q[2]);
  }

  kNearest(lat: number, lon: number, k: number): { indices: Int32Array; distances: Float64Array } {
    toUnit(lat, lon, this.q);
    const indices = new Int32Array(Math.min(k, this.size));
    const d2 = new Float64Array(indices.length);
    const n = this.kdTree().kNearest(this.q[0], this.q[1], this.q[2], k, indices, d2);
    const distances = new Float64Array(n);
    for (let i = 0; i < n; i++) distances[i] = chordToAngle(Math.sqrt(d2[i]));
    return { indices: indices.subarray(0, n), distances };
  }

  /** Stencil of the great-circle nearest point. */
  protected exactNearestStencil(lat: number, lon: number, st: Stencil): void {
    st.clear();
    st.push(this.nearest(lat, lon), 1);
  }

  /** Inverse-distance-squared stencil over the k nearest points (exact hit → that point alone). */
  protected idwStencil(lat: number, lon: number, st: Stencil, k: number): void {
    st.clear();
    if (this.knnIdx.length < k) {
      this.knnIdx = new Int32Array(k);
      this.knnD2 = new Float64Array(k);
    }
    toUnit(lat, lon, this.q);
    const n = this.kdTree().kNearest(this.q[0], this.q[1], this.q[2], k, this.knnIdx, this.knnD2);
    if (n === 0) return;
    const d0 = chordToAngle(Math.sqrt(this.knnD2[0]));
    if (d0 < 1e-12) {
      st.push(this.knnIdx[0], 1);
      return;
    }
    let wsum = 0;
    for (let i = 0; i < n; i++) {
      const d = chordToAngle(Math.sqrt(this.knnD2[i]));
      const w = 1 / (d * d);
      st.push(this.knnIdx[i], w);
      wsum += w;
    }
    for (let i = 0; i < n; i++) st.weight[i] /= wsum;
  }

  /** Grid-specific "nearest" (shader-like) stencil; default: great-circle nearest. */
  protected cellStencil(lat: number, lon: number, st: Stencil): void {
    this.exactNearestStencil(lat, lon, st);
  }

  /** Grid-specific "linear" stencil; default: IDW over DEFAULT_IDW_K points. */
  protected linearStencil(lat: number, lon: number, st: Stencil): void {
    this.idwStencil(lat, lon, st, DEFAULT_IDW_K);
  }

  stencil(lat: number, lon: number, method: InterpolationMethod, st: Stencil, k = DEFAULT_IDW_K): void {
    if (method === "nearest") this.cellStencil(lat, lon, st);
    else if (method === "linear") this.linearStencil(lat, lon, st);
    else this.idwStencil(lat, lon, st, k);
  }

  lookup(values: ArrayLike<number>, lat: number, lon: number, method: InterpolationMethod = "linear"): number {
    if (values.length !== this.size) throw new Error(`field has ${values.length} values, grid ${this.id} has ${this.size}`);
    this.stencil(lat, lon, method, this.scratch);
    return applyStencil(values, this.scratch);
  }
}

/** Scales w in place so that its mean is 1. */
export function normaliseMeanOne(w: Float64Array): Float64Array {
  const f = w.length / accurateSum(w);
  for (let i = 0; i < w.length; i++) w[i] *= f;
  return w;
}

/** Neumaier-compensated sum (error independent of length, unlike naive summation over 10⁶ terms). */
export function accurateSum(a: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}
