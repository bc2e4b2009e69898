/** Grids: points, area weights, neighbours and interpolation. See docs/grids.md. */
export type { Grid, GridKind, InterpolationMethod, WeightScheme } from "./grid";
export { BaseGrid, DEFAULT_IDW_K, normaliseMeanOne, accurateSum } from "./grid";
export {
  GridDescriptorSchema,
  RegularDescriptorSchema,
  GaussianDescriptorSchema,
  HealpixDescriptorSchema,
  UnstructuredDescriptorSchema,
} from "./descriptor";
export type { GridDescriptor, RegularDescriptor, GaussianDescriptor, HealpixDescriptor, UnstructuredDescriptor } from "./descriptor";
export { RegularGrid, regularGlobal, wb2LatitudeWeights, cosLatWeights } from "./regular";
export {
  GaussianGrid,
  gaussianLatitudes,
  octahedralPl,
  regularGaussianPl,
  octahedralGrid,
  regularGaussianGrid,
  classicReducedPl,
  classicReducedGrid,
  CLASSIC_REDUCED_N,
} from "./gaussian";
export type { GaussianLatitudes, GaussianLayout } from "./gaussian";
export { HealpixGrid, healpixGrid } from "./healpix-grid";
export * as healpix from "./healpix";
export { UnstructuredGrid } from "./unstructured";
export { sphericalConvexHull, voronoiAreas } from "./voronoi";
export type { SphericalHull, VoronoiDomain } from "./voronoi";
export { KdTree3 } from "./kdtree";
export type { RowTable } from "./rowtable";
export { rowLinearStencil, rowNearestStencil } from "./rowtable";
export { Stencil, applyStencil } from "./stencil";
export { regrid } from "./interpolate";
export type { RegridOperator, RegridOptions } from "./interpolate";
export { parseGrid, gridFromDescriptor, gridFromLatLon, GridSpecError } from "./parse";
export type { FromLatLonOptions } from "./parse";
export { greatCircle, toUnit, wrap360 } from "./sphere";
