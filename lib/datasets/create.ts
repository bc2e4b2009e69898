import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { BUILD_MARKER_ATTR, rootAttributes, type AttributeInputs } from "./attributes";
import { defaultStatisticsWindow, fromEpochSeconds, isoSeconds } from "./dates";
import { DatasetError } from "./errors";
import { loadRecipe, loadRecipeFile, type Recipe } from "./recipe";
import { openInput } from "./sources/compose";
import type { OpenedSource } from "./sources/source";
import { StatisticsAccumulator } from "./statistics";
import { DatasetWriter } from "./writer";
import { directorySize, readJsonFile, writeFileAtomic, jsonText } from "./zarr-store";

/**
 * Build a dataset from a recipe in one streaming pass: for each date, ask the input for its
 * fields on the target grid, write one `data` chunk, and add the date to the statistics
 * accumulator (within the statistics period). Memory holds one date at a time.
 *
 * Safety and resumability:
 * - everything is written to `<out>.building`, whose root attributes carry an "incomplete"
 *   marker; only the last step writes the final attributes and renames it to `<out>`;
 * - after each date, `_build/state.json` records how many dates are done and the exact
 *   statistics accumulator, atomically; running the same recipe again continues from there and
 *   produces a byte-identical store.
 */

export type CreateProgress = { done: number; total: number; date: string; resumedFrom: number };

export type CreateOptions = {
  onProgress?: (p: CreateProgress) => void;
  signal?: AbortSignal;
  /** Replace an existing dataset (and discard an unfinished build of another recipe). */
  overwrite?: boolean;
  /** Fixed dataset uuid (tests, reproducible builds); random by default. */
  uuid?: string;
};

export type CreateResult = { path: string; dates: number; variables: string[]; resumedFrom: number; bytes: number };

export class BuildInterruptedError extends DatasetError {}

type BuildState = {
  recipeHash: string;
  uuid: string;
  variables: string[];
  /** Number of dates fully written (dates are processed in order). */
  done: number;
  statistics: string;
};

const STATE_FILE = path.join("_build", "state.json");

function hashRecipe(recipe: Recipe): string {
  return createHash("sha256").update(JSON.stringify(recipe.raw)).digest("hex");
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export async function createDataset(recipeOrFile: Recipe | string, outPath: string, options: CreateOptions = {}): Promise<CreateResult> {
  const recipe = typeof recipeOrFile === "string" ? await loadRecipeFile(recipeOrFile) : recipeOrFile;
  const out = path.resolve(outPath);
  if (!out.endsWith(".zarr")) throw new DatasetError(`the output path must end in .zarr (got ${outPath})`);
  const building = `${out}.building`;
  const hash = hashRecipe(recipe);

  if (await exists(out)) {
    if (!options.overwrite) throw new DatasetError(`${outPath} already exists (use --overwrite to replace it)`);
    await fs.rm(out, { recursive: true, force: true });
  }
  let state: BuildState | undefined;
  if (await exists(building)) {
    state = await readJsonFile<BuildState>(path.join(building, STATE_FILE));
    if (state && state.recipeHash !== hash) {
      if (!options.overwrite) {
        throw new DatasetError(`an unfinished build of a different recipe is in ${building}; use --overwrite to discard it`);
      }
      state = undefined;
    }
    if (!state) await fs.rm(building, { recursive: true, force: true });
  }

  const grid = recipe.output.grid;
  const dates = recipe.dates.all;
  const missing = new Set(recipe.dates.missing);
  const window =
    recipe.statistics.start !== undefined || recipe.statistics.end !== undefined
      ? { start: recipe.statistics.start ?? dates[0], end: recipe.statistics.end ?? dates[dates.length - 1] }
      : defaultStatisticsWindow(dates);
  const statsDates = dates.filter((d) => d >= window.start && d <= window.end);
  const statsStart = statsDates[0] ?? dates[0];
  const statsEnd = statsDates[statsDates.length - 1] ?? dates[dates.length - 1];

  const source: OpenedSource = await openInput(recipe.input, grid, { baseDir: recipe.baseDir, dates });
  try {
    const variables = source.variables.map((v) => v.name);
    const variablesMetadata: AttributeInputs["variablesMetadata"] = {};
    for (const v of source.variables) {
      variablesMetadata[v.name] = { ...(v.metadata ?? {}), units: v.units, long_name: v.longName, constant_in_time: v.constantInTime ?? false };
    }
    const attributeInputs: AttributeInputs = {
      name: recipe.name,
      description: recipe.description,
      licence: recipe.licence,
      attribution: recipe.attribution,
      uuid: state?.uuid ?? options.uuid ?? randomUUID(),
      recipe: recipe.raw,
      variables,
      variablesMetadata,
      dates,
      frequency: recipe.dates.frequency,
      missingDates: recipe.dates.missing,
      grid,
      ensembles: 1,
      dtype: recipe.output.dtype,
      chunks: [1, variables.length, 1, grid.size],
      statisticsStart: statsStart,
      statisticsEnd: statsEnd,
      allowNans: recipe.allowNans,
      compression: recipe.output.compression,
    };

    let writer: DatasetWriter;
    let acc: StatisticsAccumulator;
    if (state) {
      if (state.variables.join("\n") !== variables.join("\n")) {
        throw new DatasetError(`cannot resume ${building}: the input now produces different variables; use --overwrite to start again`);
      }
      writer = await DatasetWriter.open(building);
      acc = StatisticsAccumulator.deserialise(variables.length, state.statistics);
    } else {
      const attrs = { ...rootAttributes(attributeInputs), [BUILD_MARKER_ATTR]: true };
      writer = await DatasetWriter.create(building, { dates, nvars: variables.length, grid, compression: recipe.output.compression, attrs });
      acc = new StatisticsAccumulator(variables.length);
      state = { recipeHash: hash, uuid: attributeInputs.uuid, variables, done: 0, statistics: acc.serialise() };
      await fs.mkdir(path.join(building, "_build"), { recursive: true });
      await writeFileAtomic(path.join(building, STATE_FILE), jsonText(state));
    }

    const resumedFrom = state.done;
    const allowed = (v: string) => recipe.allowNans === true || (Array.isArray(recipe.allowNans) && recipe.allowNans.includes(v));
    const g = grid.size;
    const buffer = new Float32Array(variables.length * g);
    for (let i = state.done; i < dates.length; i++) {
      if (options.signal?.aborted) throw new BuildInterruptedError(`build interrupted after ${i} of ${dates.length} dates; run it again to resume`);
      const t = dates[i];
      if (!missing.has(t)) {
        const fields = await source.fieldsAt(fromEpochSeconds(t));
        variables.forEach((name, k) => {
          const f = fields.get(name);
          if (!f) throw new DatasetError(`the input did not produce '${name}' for ${isoSeconds(t)}`);
          if (f.length !== g) throw new DatasetError(`'${name}' at ${isoSeconds(t)} has ${f.length} values, expected ${g} (the ${grid.id} grid)`);
          if (!allowed(name)) {
            for (let p = 0; p < g; p++) {
              if (f[p] !== f[p]) {
                throw new DatasetError(`'${name}' has NaN values at ${isoSeconds(t)}; set build.allow_nans: true (or list '${name}' in it) to allow them`);
              }
            }
          }
          buffer.set(f, k * g);
        });
        await writer.writeDate(i, buffer);
        if (t >= window.start && t <= window.end) acc.add(buffer, 1, g);
      }
      state = { ...state, done: i + 1, statistics: acc.serialise() };
      await writeFileAtomic(path.join(building, STATE_FILE), jsonText(state));
      options.onProgress?.({ done: i + 1, total: dates.length, date: isoSeconds(t), resumedFrom });
    }

    // Finalise: statistics, final attributes (no marker), drop the bookkeeping, rename into place.
    const stats = acc.finalise();
    await writer.writeStatistics(stats, recipe.output.compression);
    await fs.rm(path.join(building, "_build"), { recursive: true, force: true });
    const size = await directorySize(building);
    const withNans = variables.filter((_, k) => stats.hasNans[k] === 1);
    await writer.writeAttributes({
      ...rootAttributes(attributeInputs),
      variables_with_nans: withNans,
      total_size: size.bytes,
      total_number_of_files: size.files + 1,
      latest_write_timestamp: new Date().toISOString().slice(0, 19),
      provenance_load: { isobar: process.env.npm_package_version ?? "dev", node: process.version },
    });
    await fs.rename(building, out);
    return { path: out, dates: dates.length, variables, resumedFrom, bytes: size.bytes };
  } finally {
    await source.close?.();
  }
}

/** Parse a recipe given as YAML text or a file path (for jobs and tests). */
export async function recipeFrom(textOrPath: string): Promise<Recipe> {
  const looksLikeYaml = textOrPath.includes("\n") || /^\s*\w+\s*:/.test(textOrPath);
  return looksLikeYaml ? loadRecipe(textOrPath) : loadRecipeFile(textOrPath);
}
