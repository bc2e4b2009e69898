import { z } from "zod";
import { GridDescriptorSchema, gridFromDescriptor } from "@/lib/grids";
import { rowsMapGrid, type MapGrid, type RasterMapGrid } from "./map-grid";

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
});
export type GridInfo = z.infer<typeof GridInfoSchema>;

/** `GET /api/fields/meta?dataset=…`: what a dataset offers to the map. */
export const DatasetMetaSchema = z.object({
  dataset: z.string(),
  description: z.string(),
  name: z.string().nullable(),
  gridId: z.string(),
  gridKind: z.string(),
  size: z.number().int(),
  variables: z.array(z.object({ name: z.string(), units: z.string(), longName: z.string().nullable() })),
  /** Valid dates, ISO 8601 UTC. */
  dates: z.array(z.string()),
  /** Derived variables the service can compute ("ws" from 10u/10v). */
  derived: z.array(z.string()),
});
export type DatasetMeta = z.infer<typeof DatasetMetaSchema>;

/** The error body of the field service. */
export const FieldErrorSchema = z.object({ error: z.string() });

/** Rebuilds the shader's map grid from the service's grid info (and raster indices for unstructured grids). */
export function mapGridFromInfo(info: GridInfo, rasterIndex?: Int32Array): MapGrid {
  if (info.raster) {
    if (!rasterIndex) throw new Error(`grid ${info.gridId} needs its raster indices`);
    const r: RasterMapGrid = { kind: "raster", gridId: info.gridId, size: info.size, ...info.raster, index: rasterIndex };
    if (rasterIndex.length !== r.nx * r.ny) throw new Error(`raster of ${info.gridId} has ${rasterIndex.length} texels, expected ${r.nx * r.ny}`);
    return r;
  }
  const mg = rowsMapGrid(gridFromDescriptor(info.descriptor));
  return { ...mg, gridId: info.gridId };
}
