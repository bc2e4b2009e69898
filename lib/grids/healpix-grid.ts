import { HealpixDescriptorSchema, type HealpixDescriptor } from "./descriptor";
import { BaseGrid } from "./grid";
import {
  ang2pixNest,
  ang2pixRing,
  latLonToZPhi,
  nest2ring,
  npix,
  pix2angNest,
  pix2angRing,
  pixelLatLon,
} from "./healpix";
import { rowLinearStencil, type RowTable } from "./rowtable";
import { FOUR_PI } from "./sphere";
import type { Stencil } from "./stencil";

/**
 * HEALPix grid H<nside> with 12·nside² equal-area pixels in RING order (pixels sorted by
 * iso-latitude ring north→south, eastwards within a ring) or NESTED order (12 base faces, then
 * Morton order inside each face). Point coordinates are the pixel centres.
 */
export class HealpixGrid extends BaseGrid {
  readonly kind = "healpix" as const;
  readonly id: string;
  readonly size: number;
  readonly latitudes: Float64Array;
  readonly longitudes: Float64Array;
  readonly descriptor: HealpixDescriptor;
  readonly nside: number;
  readonly order: "ring" | "nested";
  private table: RowTable | null = null;

  constructor(descriptor: HealpixDescriptor) {
    super();
    const d = HealpixDescriptorSchema.parse(descriptor);
    this.descriptor = d;
    this.nside = d.nside;
    this.order = d.order;
    this.size = npix(d.nside);
    this.id = `H${d.nside}-${d.order}`;
    this.latitudes = new Float64Array(this.size);
    this.longitudes = new Float64Array(this.size);
    const f = d.order === "ring" ? pix2angRing : pix2angNest;
    for (let p = 0; p < this.size; p++) {
      const [lat, lon] = pixelLatLon(f(d.nside, p));
      this.latitudes[p] = lat;
      this.longitudes[p] = lon;
    }
  }

  /** Pixel containing (lat, lon) in this grid's ordering. */
  pixelAt(lat: number, lon: number): number {
    const [z, phi] = latLonToZPhi(lat, lon);
    return this.order === "ring" ? ang2pixRing(this.nside, z, phi) : ang2pixNest(this.nside, z, phi);
  }

  /** Equal area: 4π / (12 nside²) per pixel. */
  protected computeAreas(): Float64Array {
    return new Float64Array(this.size).fill(FOUR_PI / this.size);
  }

  /** The 4·nside − 1 iso-latitude rings (north→south); perm maps ring order to nested indices. */
  rowTable(): RowTable {
    if (this.table) return this.table;
    const ns = this.nside;
    const rings = 4 * ns - 1;
    const lat = new Float64Array(rings);
    const first = new Int32Array(rings);
    const count = new Int32Array(rings);
    const lon0 = new Float64Array(rings);
    const dlon = new Float64Array(rings);
    let start = 0;
    for (let i = 1; i <= rings; i++) {
      const c = i < ns ? 4 * i : i <= 3 * ns ? 4 * ns : 4 * (4 * ns - i);
      const [la, lo] = pixelLatLon(pix2angRing(ns, start));
      lat[i - 1] = la;
      first[i - 1] = start;
      count[i - 1] = c;
      lon0[i - 1] = lo;
      dlon[i - 1] = 360 / c;
      start += c;
    }
    let perm: Int32Array | null = null;
    if (this.order === "nested") {
      perm = new Int32Array(this.size);
      for (let p = 0; p < this.size; p++) perm[nest2ring(ns, p)] = p;
    }
    this.table = { lat, first, count, lon0, dlon, periodic: true, global: true, perm };
    return this.table;
  }

  protected cellStencil(lat: number, lon: number, st: Stencil): void {
    st.clear();
    st.push(this.pixelAt(lat, lon), 1);
  }

  protected linearStencil(lat: number, lon: number, st: Stencil): void {
    rowLinearStencil(this.rowTable(), lat, lon, st);
  }
}

export function healpixGrid(nside: number, order: "ring" | "nested" = "ring"): HealpixGrid {
  return new HealpixGrid({ kind: "healpix", nside, order });
}
