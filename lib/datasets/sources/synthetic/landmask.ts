import { feature } from "topojson-client";
import type { GeometryObject, Topology } from "topojson-specification";
import land110m from "world-atlas/land-110m.json";
import { legendre, LegendreCoefficients, lmCount, lmIndex } from "./legendre";

/**
 * Land–sea mask from Natural Earth's 1:110m land polygons (public domain; shipped as TopoJSON by
 * the `world-atlas` npm package).
 *
 * - The polygons are rasterised once per process onto a 0.25° cell-centre raster by even–odd
 *   scanline filling. Rings are unwrapped in longitude so polygons that cross the antimeridian
 *   stay whole; a ring whose longitudes wind once around the globe (Antarctica) is closed
 *   through its pole.
 * - `landSeaMask(lat, lon)` is the bilinear interpolate of that 0/1 raster: 1 inland, 0 at sea,
 *   fractional within ~0.25° of a coast. It does not depend on the target grid, so every grid
 *   sees the same coastline.
 * - `continentalityCoefficients()` is the land fraction projected on spherical harmonics up to
 *   degree 21 with a Gaussian taper exp(−l(l+1)/(8·9)): a smooth large-scale "continentality"
 *   (roughly a 15–20° average) with analytic derivatives, used by the synthetic climatology for
 *   the Siberian-high / thermal-low pressure pattern and free-atmosphere temperature contrast.
 */

const RES = 0.25;
const NLON = Math.round(360 / RES);
const NLAT = Math.round(180 / RES);

let raster: Uint8Array | null = null;

type Ring = number[][];

function landRings(): Ring[] {
  const topo = land110m as unknown as Topology;
  const geo = feature(topo, topo.objects.land as GeometryObject);
  const rings: Ring[] = [];
  const features = "features" in geo ? geo.features : [geo];
  for (const f of features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === "Polygon") for (const r of g.coordinates) rings.push(r);
    else if (g.type === "MultiPolygon") for (const poly of g.coordinates) for (const r of poly) rings.push(r);
  }
  return rings;
}

/** The 0.25° land raster (row 0 is the northernmost, column 0 starts at −180°); 1 = land. */
export function landRaster(): { data: Uint8Array; nlon: number; nlat: number; res: number } {
  if (!raster) raster = rasterise(landRings());
  return { data: raster, nlon: NLON, nlat: NLAT, res: RES };
}

function rasterise(rings: Ring[]): Uint8Array {
  const mask = new Uint8Array(NLON * NLAT);
  const rowsOut: number[] = [];
  const xsOut: number[] = [];
  for (const ring of rings) {
    // Unwrap longitudes so consecutive points differ by less than 180°.
    const xs: number[] = [];
    const ys: number[] = [];
    let prev = ring[0][0];
    let x = prev;
    for (const pt of ring) {
      let d = pt[0] - prev;
      if (d > 180) d -= 360;
      else if (d < -180) d += 360;
      x += d;
      prev = pt[0];
      xs.push(x);
      ys.push(pt[1]);
    }
    const winding = xs[xs.length - 1] - xs[0];
    if (Math.abs(winding) > 180) {
      // Encircles a pole: close along the pole row.
      let meanLat = 0;
      for (const y of ys) meanLat += y;
      const pole = meanLat < 0 ? -90 : 90;
      xs.push(xs[xs.length - 1], xs[0]);
      ys.push(pole, pole);
    }
    rowsOut.length = 0;
    xsOut.length = 0;
    const n = xs.length;
    for (let i = 0; i < n; i++) {
      const x0 = xs[i];
      const y0 = ys[i];
      const x1 = xs[(i + 1) % n];
      const y1 = ys[(i + 1) % n];
      if (y0 === y1) continue;
      const ylo = Math.min(y0, y1);
      const yhi = Math.max(y0, y1);
      // Rows whose centre yc = 90 − (j + 0.5)·RES lies in [ylo, yhi).
      const jFirst = Math.max(0, Math.ceil((90 - yhi) / RES - 0.5));
      const jLast = Math.min(NLAT - 1, Math.floor((90 - ylo) / RES - 0.5));
      for (let j = jFirst; j <= jLast; j++) {
        const yc = 90 - (j + 0.5) * RES;
        if (yc < ylo || yc >= yhi) continue;
        rowsOut.push(j);
        xsOut.push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
      }
    }
    const order = rowsOut.map((_, i) => i);
    order.sort((p, q) => rowsOut[p] - rowsOut[q] || xsOut[p] - xsOut[q]);
    for (let s = 0; s + 1 < order.length; s += 2) {
      const j = rowsOut[order[s]];
      if (rowsOut[order[s + 1]] !== j) {
        // Unpaired crossing (cannot happen for closed rings); resynchronise.
        s -= 1;
        continue;
      }
      const xa = xsOut[order[s]];
      const xb = xsOut[order[s + 1]];
      // Cells whose centre −180 + (i + 0.5)·RES lies in [xa, xb).
      const iFirst = Math.ceil((xa + 180) / RES - 0.5);
      const iLast = Math.ceil((xb + 180) / RES - 0.5) - 1;
      const row = j * NLON;
      for (let i = iFirst; i <= iLast && i < iFirst + NLON; i++) {
        const c = ((i % NLON) + NLON) % NLON;
        mask[row + c] ^= 1;
      }
    }
  }
  return mask;
}

/** Land fraction at (lat, lon) in degrees: bilinear interpolation of the 0.25° raster. */
export function landSeaMask(lat: number, lon: number): number {
  const { data } = landRaster();
  let fy = (90 - lat) / RES - 0.5;
  if (fy < 0) fy = 0;
  if (fy > NLAT - 1) fy = NLAT - 1;
  const j0 = Math.min(NLAT - 2, Math.floor(fy));
  const ty = fy - j0;
  let fx = (lon + 180) / RES - 0.5;
  fx -= Math.floor(fx / NLON) * NLON;
  const i0 = Math.floor(fx);
  const tx = fx - i0;
  const i1 = (i0 + 1) % NLON;
  const r0 = j0 * NLON;
  const r1 = r0 + NLON;
  const top = data[r0 + i0] * (1 - tx) + data[r0 + i1] * tx;
  const bottom = data[r1 + i0] * (1 - tx) + data[r1 + i1] * tx;
  return top * (1 - ty) + bottom * ty;
}

/** landSeaMask at every point of a grid. */
export function landSeaMaskOn(latitudes: ArrayLike<number>, longitudes: ArrayLike<number>): Float32Array {
  const out = new Float32Array(latitudes.length);
  for (let i = 0; i < out.length; i++) out[i] = landSeaMask(latitudes[i], longitudes[i]);
  return out;
}

/** Maximum degree and taper scale of the continentality expansion. */
export const CONTINENTALITY_DEGREE = 21;
const TAPER_L = 8;
let contCache: { a: Float64Array; b: Float64Array } | null = null;

/**
 * Spherical-harmonic coefficients (packed by lmIndex, degree ≤ CONTINENTALITY_DEGREE) of the
 * tapered land fraction, from 1° cell averages of the raster with exact cell-area weights.
 */
export function continentalityCoefficients(): { a: Float64Array; b: Float64Array } {
  if (contCache) return contCache;
  const L = CONTINENTALITY_DEGREE;
  const { data } = landRaster();
  const f = Math.round(1 / RES);
  const nlon = NLON / f;
  const nlat = NLAT / f;
  const a = new Float64Array(lmCount(L));
  const b = new Float64Array(lmCount(L));
  const coef = new LegendreCoefficients(L);
  const p = new Float64Array(lmCount(L));
  const row = new Float64Array(nlon);
  const deg = Math.PI / 180;
  const fc = new Float64Array(L + 1);
  const fs = new Float64Array(L + 1);
  for (let j = 0; j < nlat; j++) {
    row.fill(0);
    for (let jj = j * f; jj < (j + 1) * f; jj++) {
      for (let i = 0; i < NLON; i++) row[Math.floor(i / f)] += data[jj * NLON + i];
    }
    const north = 90 - j;
    const south = 89 - j;
    const w = (Math.sin(north * deg) - Math.sin(south * deg)) / 2 / nlon / (f * f);
    fc.fill(0);
    fs.fill(0);
    for (let i = 0; i < nlon; i++) {
      if (row[i] === 0) continue;
      const lam = (-180 + i + 0.5) * deg;
      for (let m = 0; m <= L; m++) {
        fc[m] += row[i] * Math.cos(m * lam);
        fs[m] += row[i] * Math.sin(m * lam);
      }
    }
    legendre(coef, (north - 0.5) * deg, p);
    for (let l = 0; l <= L; l++) {
      const taper = Math.exp(-(l * (l + 1)) / (TAPER_L * (TAPER_L + 1)));
      for (let m = 0; m <= l; m++) {
        const k = lmIndex(l, m);
        a[k] += w * taper * p[k] * fc[m];
        b[k] += w * taper * p[k] * fs[m];
      }
    }
  }
  contCache = { a, b };
  return contCache;
}
