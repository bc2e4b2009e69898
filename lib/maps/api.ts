import { z } from "zod";
import { GridDescriptorSchema, gridFromDescriptor } from "@/lib/grids";
import { rowsMapGrid, type MapGrid, type RasterMapGrid } from "./map-grid";
import { decodeMesh, MeshDecodeError } from "./mesh";

/** JSON shapes of the field service (`/api/grids/<id>`, `/api/fields/meta`), shared by server and browser. */

export const RasterGeometrySchema = z.object({
  west: z.number(),
  south: z.number(),
  dlon: z.number().positive(),
  dlat: z.number().positive(),
  nx: z.number().int().positive(),
  ny: z.number().int().positive(),
});

/** `GET /api/grids/<gridId>`: the grid descriptor, plus the raster geometry for unstructured grids. */
export const GridInfoSchema = z.object({
  gridId: z.string(),
  kind: z.enum(["regular", "gaussian", "healpix", "unstructured"]),
  size: z.number().int().positive(),
  descriptor: GridDescriptorSchema,
  /** Unstructured grids: the nearest-point raster; its Int32 indices at `/api/grids/<gridId>/raster`. */
  raster: RasterGeometrySchema.optional(),
  /** Unstructured grids: the triangle mesh the map draws; its bytes at `/api/grids/<gridId>/mesh` (lib/maps/mesh.ts). */
  mesh: z
    .object({
      vertices: z.number().int().positive(),
      triangles: z.number().int().nonnegative(),
      /** The domain box of a regional mesh; null when global. */
      bounds: z.object({ west: z.number(), south: z.number(), east: z.number(), north: z.number() }).nullable(),
    })
    .optional(),
});
export type GridInfo = z.infer<typeof GridInfoSchema>;

/**
 * A variable as the map offers it. `range`: its minimum and maximum in stored units over the
 * statistics period of the dataset (for a forecast: of its source dataset), when known. The map's
 * automatic colour range uses it, so that stepping through time keeps one colour scale.
 */
export const MapVariableSchema = z.object({
  name: z.string(),
  units: z.string(),
  longName: z.string().nullable(),
  range: z.object({ min: z.number(), max: z.number() }).nullable(),
});
export type MapVariable = z.infer<typeof MapVariableSchema>;

/** `GET /api/fields/meta?dataset=…`: what a dataset offers to the map. */
export const DatasetMetaSchema = z.object({
  dataset: z.string(),
  description: z.string(),
  name: z.string().nullable(),
  gridId: z.string(),
  gridKind: z.string(),
  size: z.number().int(),
  variables: z.array(MapVariableSchema),
  /** Valid dates, ISO 8601 UTC. */
  dates: z.array(z.string()),
  /** Derived variables the service can compute ("ws" from 10u/10v). */
  derived: z.array(z.string()),
});
export type DatasetMeta = z.infer<typeof DatasetMetaSchema>;

/** The error body of the field service. */
export const FieldErrorSchema = z.object({ error: z.string() });

/** Rebuilds the shader's map grid from the service's grid info (and raster indices for unstructured grids). */
export function mapGridFromInfo(info: GridInfo, rasterIndex?: Int32Array, meshBytes?: ArrayBuffer): MapGrid {
  if (info.mesh) {
    if (!meshBytes) throw new Error(`grid ${info.gridId} needs its mesh`);
    const m = decodeMesh(info.gridId, info.size, info.mesh.bounds, meshBytes);
    if (m.lon.length !== info.mesh.vertices || m.triangles.length !== 3 * info.mesh.triangles)
      throw new MeshDecodeError(`mesh of ${info.gridId} has ${m.lon.length} vertices and ${m.triangles.length / 3} triangles, the grid info says ${info.mesh.vertices} and ${info.mesh.triangles}`);
    return m;
  }
  if (info.raster) {
    if (!rasterIndex) throw new Error(`grid ${info.gridId} needs its raster indices`);
    const r: RasterMapGrid = { kind: "raster", gridId: info.gridId, size: info.size, ...info.raster, index: rasterIndex };
    if (rasterIndex.length !== r.nx * r.ny) throw new Error(`raster of ${info.gridId} has ${rasterIndex.length} texels, expected ${r.nx * r.ny}`);
    return r;
  }
  const mg = rowsMapGrid(gridFromDescriptor(info.descriptor));
  return { ...mg, gridId: info.gridId };
}

/** `GET /api/fields/meta?forecast=…`: what a forecast store offers to the map. */
export const ForecastMetaSchema = z.object({
  forecast: z.string(),
  /** The registered forecast id, when the store is registered. */
  id: z.string().nullable(),
  name: z.string(),
  kind: z.string(),
  gridId: z.string(),
  gridKind: z.string(),
  size: z.number().int(),
  variables: z.array(MapVariableSchema),
  derived: z.array(z.string()),
  /** Init times, ISO 8601 UTC. */
  initTimes: z.array(z.string()),
  leadTimesHours: z.array(z.number().int()),
  members: z.number().int().positive(),
  /** The dataset the forecast was initialised from (the default truth), if known. */
  sourceDataset: z.string().nullable(),
});
export type ForecastMeta = z.infer<typeof ForecastMetaSchema>;

/** `GET /api/fields/series?…`: a point time series over lead time (meteogram). */
export const PointSeriesSchema = z.object({
  variable: z.string(),
  units: z.string(),
  init: z.string(),
  member: z.union([z.number().int(), z.enum(["mean", "spread"])]),
  /** Requested position and the nearest grid point of the first forecast. */
  lat: z.number(),
  lon: z.number(),
  point: z.object({ index: z.number().int(), lat: z.number(), lon: z.number(), gridId: z.string() }),
  /** Union of the forecasts' lead times, hours, increasing; the x axis of every series. */
  leadTimesHours: z.array(z.number().int()),
  validTimes: z.array(z.string()),
  series: z.array(
    z.object({
      forecast: z.string(),
      name: z.string(),
      kind: z.string(),
      /** One value per lead time of `leadTimesHours`; null where the forecast has no such lead or it is not written. */
      values: z.array(z.number().nullable()),
      /** Why the forecast has no values (different grid, missing init time, variable …). */
      error: z.string().optional(),
    }),
  ),
  truth: z
    .object({
      dataset: z.string(),
      name: z.string(),
      values: z.array(z.number().nullable()),
      error: z.string().optional(),
    })
    .nullable(),
});
export type PointSeries = z.infer<typeof PointSeriesSchema>;
