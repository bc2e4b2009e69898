import { healpixGrid, octahedralGrid, UnstructuredGrid, type Grid, type GridDescriptor } from "@/lib/grids";
import { refinedIcosahedron, type RefinedIcosahedron } from "./icosahedron";

/** A set of graph nodes on the sphere. */
export interface NodeSet {
  readonly name: string;
  readonly size: number;
  /** Degrees, node order. */
  readonly latitudes: Float64Array;
  /** Degrees, node order. */
  readonly longitudes: Float64Array;
  /** Interleaved xyz unit vectors. */
  readonly xyz: Float64Array;
  /** Spherical area weights (Voronoi/cell areas), normalised to mean 1. */
  readonly areaWeight: Float32Array;
  /** Grid descriptor when the nodes are a lib/grids grid (data nodes, reduced Gaussian/HEALPix hidden nodes). */
  readonly grid: GridDescriptor | null;
}

function toLatLon(xyz: Float64Array): { lat: Float64Array; lon: Float64Array } {
  const n = xyz.length / 3;
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
    lat[i] = (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI;
    let l = (Math.atan2(y, x) * 180) / Math.PI;
    if (l < 0) l += 360;
    lon[i] = l;
  }
  return { lat, lon };
}

function meanOne(w: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  const out = new Float32Array(w.length);
  const f = w.length / s;
  for (let i = 0; i < w.length; i++) out[i] = w[i] * f;
  return out;
}

/** Nodes at the points of a grid (data nodes, or a coarser grid as hidden nodes). */
export function gridNodes(name: string, grid: Grid): NodeSet {
  return {
    name,
    size: grid.size,
    latitudes: grid.latitudes,
    longitudes: grid.longitudes,
    xyz: grid.unitVectors(),
    areaWeight: meanOne(grid.areas()),
    grid: grid.descriptor,
  };
}

/** Nodes at the vertices of a refined icosahedron; area weights are spherical Voronoi cell areas. */
export function icosahedralNodes(name: string, mesh: RefinedIcosahedron | number): NodeSet {
  const m = typeof mesh === "number" ? refinedIcosahedron(mesh) : mesh;
  const { lat, lon } = toLatLon(m.xyz);
  const areas = new UnstructuredGrid(lat, lon, "global").areas();
  return { name, size: lat.length, latitudes: lat, longitudes: lon, xyz: m.xyz, areaWeight: meanOne(areas), grid: null };
}

/** Hidden nodes on an octahedral reduced Gaussian grid O<N>. */
export function octahedralNodes(name: string, N: number): NodeSet {
  return gridNodes(name, octahedralGrid(N));
}

/** Hidden nodes on a HEALPix grid (ring order). */
export function healpixNodes(name: string, nside: number): NodeSet {
  return gridNodes(name, healpixGrid(nside, "ring"));
}
