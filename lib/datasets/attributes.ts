import type { Grid } from "@/lib/grids";
import { formatFrequency, isoSeconds } from "./dates";
import { fieldShapeOf, resolutionOf, storableDescriptor } from "./grid-info";

/** Root attribute present while a build is unfinished; openDataset refuses stores that carry it. */
export const BUILD_MARKER_ATTR = "_isobar_build_incomplete";

/** anemoi-datasets 0.5.x writes version "0.30"; we write the same layout. */
export const ANEMOI_LAYOUT_VERSION = "0.30";

export type AttributeInputs = {
  name?: string;
  description?: string;
  licence?: string;
  attribution?: string;
  uuid: string;
  recipe: unknown;
  variables: readonly string[];
  variablesMetadata: Record<string, Record<string, unknown>>;
  dates: readonly number[];
  frequency: number;
  missingDates: readonly number[];
  grid: Grid;
  ensembles: number;
  dtype: string;
  chunks: readonly number[];
  statisticsStart: number;
  statisticsEnd: number;
  allowNans: boolean | readonly string[];
  compression: string;
};

/** The root attributes anemoi-datasets writes, plus Isobar's `grid` descriptor. */
export function rootAttributes(a: AttributeInputs): Record<string, unknown> {
  const shape = [a.dates.length, a.variables.length, a.ensembles, a.grid.size];
  const constantFields = a.variables.filter((v) => a.variablesMetadata[v]?.constant_in_time === true);
  return {
    version: ANEMOI_LAYOUT_VERSION,
    uuid: a.uuid,
    ...(a.name !== undefined ? { name: a.name } : {}),
    description: a.description ?? "",
    licence: a.licence ?? "unknown",
    attribution: a.attribution ?? "unknown",
    recipe: a.recipe,
    _create_yaml_config: a.recipe,
    variables: [...a.variables],
    variables_metadata: a.variablesMetadata,
    resolution: resolutionOf(a.grid),
    field_shape: fieldShapeOf(a.grid),
    proj_string: null,
    flatten_grid: true,
    dtype: a.dtype,
    dimensions: ["dates", "variables", "ensembles", "values"],
    order_by: ["valid_datetime", "param_level", "number"],
    remapping: { param_level: "{param}_{levelist}" },
    start_date: isoSeconds(a.dates[0]),
    end_date: isoSeconds(a.dates[a.dates.length - 1]),
    frequency: formatFrequency(a.frequency),
    missing_dates: a.missingDates.map(isoSeconds),
    statistics_start_date: isoSeconds(a.statisticsStart),
    statistics_end_date: isoSeconds(a.statisticsEnd),
    allow_nans: Array.isArray(a.allowNans) ? [...a.allowNans] : a.allowNans,
    constant_fields: constantFields,
    chunks: [...a.chunks],
    shape,
    grid: storableDescriptor(a.grid),
    isobar: { grid_id: a.grid.id, compression: a.compression },
  };
}
