import type { Grid } from "@/lib/grids";

/**
 * The contract every dataset source implements (synthetic, constants/forcings, netcdf,
 * xarray-zarr): given a target grid, produce named fields one date at a time.
 * Sources are streaming by design: nothing requires holding more than one date in memory.
 */

/** One variable a source can produce, with anemoi-style metadata. */
export type SourceVariable = {
  /** anemoi-style name, e.g. "z_500", "2t", "cos_latitude". */
  name: string;
  units: string;
  longName: string;
  /** Extra fields for `variables_metadata` (e.g. { mars: { param: "z", levelist: 500, levtype: "pl" } }). */
  metadata?: Record<string, unknown>;
  /** Constant in time (e.g. land-sea mask, cos_latitude). */
  constantInTime?: boolean;
};

export interface OpenedSource {
  readonly variables: readonly SourceVariable[];
  /** Values of every variable at `date` on the target grid (native point order), NaN for missing. */
  fieldsAt(date: Date): Promise<Map<string, Float32Array>>;
  close?(): Promise<void>;
}

export interface DatasetSource {
  /** Human-readable description for logs and the recipe summary. */
  readonly description: string;
  open(grid: Grid): Promise<OpenedSource>;
}
