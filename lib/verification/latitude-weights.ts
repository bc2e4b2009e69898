/**
 * Latitude (area) weights for regular latitude/longitude grids
 * (verification.md §1).
 *
 * All functions return one weight per latitude row, in the order of the
 * input latitudes. `expandRowWeights` turns row weights into the per-point
 * weights that the scoring kernels take.
 */

const DEG = Math.PI / 180;

function assertMonotonic(lats: ArrayLike<number>): "increasing" | "decreasing" {
  const n = lats.length;
  if (n === 0) throw new Error("latitude weights: no latitudes");
  for (let i = 0; i < n; i++) {
    const v = lats[i];
    if (!Number.isFinite(v) || v < -90 || v > 90) {
      throw new Error(`latitude weights: latitude ${v} at index ${i} is outside [-90, 90]`);
    }
  }
  if (n === 1) return "increasing";
  const dir = lats[1] > lats[0] ? "increasing" : "decreasing";
  for (let i = 1; i < n; i++) {
    const ok = dir === "increasing" ? lats[i] > lats[i - 1] : lats[i] < lats[i - 1];
    if (!ok) throw new Error("latitude weights: latitudes must be strictly monotonic");
  }
  return dir;
}

/** Ascending copy of the latitudes, plus whether the input was reversed. */
function ascending(lats: ArrayLike<number>): { asc: Float64Array; reversed: boolean } {
  const reversed = assertMonotonic(lats) === "decreasing";
  const n = lats.length;
  const asc = new Float64Array(n);
  for (let i = 0; i < n; i++) asc[i] = reversed ? lats[n - 1 - i] : lats[i];
  return { asc, reversed };
}

function cellAreasFromBounds(asc: Float64Array, lower: number, upper: number): Float64Array {
  const n = asc.length;
  const area = new Float64Array(n);
  let prev = Math.sin(lower * DEG);
  for (let i = 0; i < n; i++) {
    const b = i === n - 1 ? upper : (asc[i] + asc[i + 1]) / 2;
    const s = Math.sin(b * DEG);
    area[i] = s - prev;
    prev = s;
  }
  return area;
}

function normaliseToMeanOne(a: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  const mean = sum / a.length;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / mean;
  return out;
}

function restoreOrder(w: Float64Array, reversed: boolean): Float64Array {
  return reversed ? w.slice().reverse() : w;
}

/**
 * WB2 cell-area weights (default): bounds at ±90° and midpoints between rows,
 * a_i = sin b_i − sin b_{i−1}, normalised so the weights average to 1.
 * Latitudes may be given increasing or decreasing.
 */
export function cellAreaLatitudeWeights(lats: ArrayLike<number>): Float64Array {
  const { asc, reversed } = ascending(lats);
  return restoreOrder(normaliseToMeanOne(cellAreasFromBounds(asc, -90, 90)), reversed);
}

/**
 * WB-X grid-area weights: as WB2, but the outer bounds are the first/last row
 * ∓ half the first/last spacing, clipped to ±90°. Normalised to mean 1 (the
 * normalisation cancels in every area mean).
 */
export function gridAreaLatitudeWeightsWbx(lats: ArrayLike<number>): Float64Array {
  const { asc, reversed } = ascending(lats);
  const n = asc.length;
  if (n < 2) throw new Error("WB-X grid-area weights need at least two latitude rows");
  const lower = Math.max(-90, asc[0] - (asc[1] - asc[0]) / 2);
  const upper = Math.min(90, asc[n - 1] + (asc[n - 1] - asc[n - 2]) / 2);
  return restoreOrder(normaliseToMeanOne(cellAreasFromBounds(asc, lower, upper)), reversed);
}

export type CosLatNormalisation = "none" | "mean" | "sum";

/**
 * cos-latitude weights: raw cos φ ("none", as nci/scores), divided by their
 * mean ("mean", WB1) or by their sum ("sum", WMO).
 */
export function cosLatitudeWeights(
  lats: ArrayLike<number>,
  normalisation: CosLatNormalisation = "mean",
): Float64Array {
  assertMonotonic(lats);
  const n = lats.length;
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // cos(±90°) is 6e-17 in floating point; pin it to an exact zero.
    w[i] = Math.abs(lats[i]) === 90 ? 0 : Math.cos(lats[i] * DEG);
    sum += w[i];
  }
  if (normalisation === "none") return w;
  const d = normalisation === "mean" ? sum / n : sum;
  for (let i = 0; i < n; i++) w[i] /= d;
  return w;
}

/**
 * Per-point weights for a regular grid stored latitude-major
 * (point p = i · nLon + j): every point of row i gets rowWeights[i].
 */
export function expandRowWeights(rowWeights: ArrayLike<number>, nLon: number): Float64Array {
  const nLat = rowWeights.length;
  const out = new Float64Array(nLat * nLon);
  for (let i = 0; i < nLat; i++) out.fill(rowWeights[i], i * nLon, (i + 1) * nLon);
  return out;
}

/** Point latitude/longitude arrays for a regular grid stored latitude-major. */
export function regularGridPoints(
  lats: ArrayLike<number>,
  lons: ArrayLike<number>,
): { lat: Float64Array; lon: Float64Array } {
  const nLat = lats.length;
  const nLon = lons.length;
  const lat = new Float64Array(nLat * nLon);
  const lon = new Float64Array(nLat * nLon);
  for (let i = 0; i < nLat; i++) {
    for (let j = 0; j < nLon; j++) {
      lat[i * nLon + j] = lats[i];
      lon[i * nLon + j] = lons[j];
    }
  }
  return { lat, lon };
}
