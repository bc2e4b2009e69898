import { z } from "zod";

/**
 * JSON-serialisable description from which a grid can be rebuilt exactly (stored in dataset
 * attributes and sent once per grid to the browser). See docs/grids.md.
 */

const finite = z.number().refine(Number.isFinite, "must be finite");
const count = z.number().int().positive();

/** Equally spaced axis: values first + i·step for i = 0..count−1. */
export const AxisSchema = z.object({ first: finite, step: finite, count });
export type Axis = z.infer<typeof AxisSchema>;

/**
 * Regular latitude/longitude grid, points row-major (one latitude row after the other, longitudes
 * within a row). lat.step < 0 means north→south (ERA5/anemoi), > 0 south→north.
 */
export const RegularDescriptorSchema = z
  .object({ kind: z.literal("regular"), lat: AxisSchema, lon: AxisSchema })
  .superRefine((d, ctx) => {
    const { lat, lon } = d;
    if (lat.count > 1 && lat.step === 0) ctx.addIssue({ code: "custom", message: "lat.step must be non-zero" });
    if (lon.count > 1 && lon.step <= 0) ctx.addIssue({ code: "custom", message: "lon.step must be positive" });
    const last = lat.first + (lat.count - 1) * lat.step;
    const eps = 1e-9;
    if (Math.max(Math.abs(lat.first), Math.abs(last)) > 90 + eps)
      ctx.addIssue({ code: "custom", message: "latitudes must lie within [-90, 90]" });
    if ((lon.count - 1) * lon.step >= 360 - eps)
      ctx.addIssue({ code: "custom", message: "longitudes span 360° or more (duplicate meridian)" });
  });
export type RegularDescriptor = z.infer<typeof RegularDescriptorSchema>;

/**
 * Gaussian grid with N latitudes per hemisphere, rows north→south, `pl[r]` points in row r
 * starting at longitude 0 and spaced 360/pl[r]. Octahedral O<N>: pl = 20, 24, …, 4N+16, then
 * mirrored; regular N<N>: pl = 4N everywhere; anything else is a classic reduced grid.
 */
export const GaussianDescriptorSchema = z
  .object({ kind: z.literal("gaussian"), N: count, pl: z.array(count) })
  .superRefine((d, ctx) => {
    if (d.pl.length !== 2 * d.N)
      ctx.addIssue({ code: "custom", message: `pl must have 2N = ${2 * d.N} rows, got ${d.pl.length}` });
  });
export type GaussianDescriptor = z.infer<typeof GaussianDescriptorSchema>;

/** HEALPix with nside (any positive integer for ring order, a power of two for nested). */
export const HealpixDescriptorSchema = z
  .object({ kind: z.literal("healpix"), nside: count.max(1 << 15), order: z.enum(["ring", "nested"]) })
  .superRefine((d, ctx) => {
    if (d.order === "nested" && (d.nside & (d.nside - 1)) !== 0)
      ctx.addIssue({ code: "custom", message: "nested ordering needs nside to be a power of two" });
  });
export type HealpixDescriptor = z.infer<typeof HealpixDescriptorSchema>;

/**
 * Arbitrary points. `domain` says how Voronoi cells are bounded: "global" (the whole sphere) or
 * "hull" (clipped to the spherical convex hull, for limited-area domains); "auto" picks "hull"
 * when all points lie within 85° of their centroid.
 */
export const UnstructuredDescriptorSchema = z
  .object({
    kind: z.literal("unstructured"),
    latitudes: z.array(finite),
    longitudes: z.array(finite),
    domain: z.enum(["auto", "global", "hull"]).default("auto"),
  })
  .superRefine((d, ctx) => {
    if (d.latitudes.length !== d.longitudes.length)
      ctx.addIssue({ code: "custom", message: "latitudes and longitudes differ in length" });
    if (d.latitudes.length === 0) ctx.addIssue({ code: "custom", message: "no points" });
    if (d.latitudes.some((v) => Math.abs(v) > 90 + 1e-9))
      ctx.addIssue({ code: "custom", message: "latitudes must lie within [-90, 90]" });
  });
export type UnstructuredDescriptor = z.input<typeof UnstructuredDescriptorSchema>;

export const GridDescriptorSchema = z.union([
  RegularDescriptorSchema,
  GaussianDescriptorSchema,
  HealpixDescriptorSchema,
  UnstructuredDescriptorSchema,
]);
export type GridDescriptor = RegularDescriptor | GaussianDescriptor | HealpixDescriptor | UnstructuredDescriptor;
