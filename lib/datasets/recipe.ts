import fs from "node:fs/promises";
import path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { GridDescriptorSchema, GridSpecError, gridFromDescriptor, parseGrid, type Grid } from "@/lib/grids";
import { dateRange, DateSpecError, isoSeconds, parseDateSpec, parseFrequency } from "./dates";
import { getSource, hasSource, sourceNames, UnknownSourceError } from "./sources/registry";
import { COMPRESSIONS, type Compression } from "./zarr-store";

/**
 * Recipes: the anemoi-style YAML that describes a dataset to build.
 *
 * ```yaml
 * name: demo
 * licence: CC-BY-4.0
 * dates: {start: 2020-01-01T00:00:00, end: 2020-01-31T18:00:00, frequency: 6h}
 * input:
 *   join:
 *     - synthetic: {seed: 1}
 *     - forcings: {param: [cos_latitude, insolation]}
 * output: {dtype: float32, chunking: {dates: 1, ensembles: 1}, grid: O48}
 * statistics: {end: 2020-01-24}
 * ```
 *
 * `loadRecipe` validates everything up front (structure, dates, grid, every source's config)
 * and reports every problem with its YAML path and line.
 */

export type RecipeIssue = { path: string; line: number | null; message: string };

export class RecipeError extends Error {
  constructor(
    readonly file: string,
    readonly issues: RecipeIssue[],
  ) {
    super(issues.map((i) => `${file}${i.line ? `:${i.line}` : ""}: ${i.path ? `${i.path}: ` : ""}${i.message}`).join("\n"));
    this.name = "RecipeError";
  }
}

export type InputNode =
  | { kind: "join"; path: string; items: InputNode[] }
  | { kind: "concat"; path: string; items: { start: number; end: number; path: string; node: InputNode }[] }
  | { kind: "source"; path: string; name: string; config: unknown };

export type Recipe = {
  name?: string;
  description?: string;
  licence?: string;
  attribution?: string;
  /** Dates in seconds since 1970. */
  dates: { start: number; end: number; frequency: number; missing: number[]; all: number[] };
  input: InputNode;
  output: { dtype: "float32"; grid: Grid; gridSpec: unknown; compression: Compression };
  statistics: { start?: number; end?: number };
  allowNans: boolean | string[];
  /** The recipe as parsed from YAML (stored in the dataset's `recipe` attribute). */
  raw: Record<string, unknown>;
  /** Directory against which relative source paths are resolved. */
  baseDir: string;
  /** The YAML text, for hashing (resumable builds) and provenance. */
  text: string;
};

const DateValue = z.union([z.string(), z.number()]);
const DatesSchema = z
  .object({ start: DateValue, end: DateValue, frequency: z.union([z.string(), z.number()]), missing: z.array(DateValue).optional() })
  .strict();

const RecipeSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    licence: z.string().optional(),
    attribution: z.string().optional(),
    dates: DatesSchema,
    input: z.record(z.string(), z.unknown()),
    output: z
      .object({
        layout: z.literal("gridded").optional(),
        dtype: z.literal("float32").default("float32"),
        chunking: z.object({ dates: z.literal(1).optional(), ensembles: z.literal(1).optional() }).strict().optional(),
        grid: z.union([z.string(), z.number(), z.record(z.string(), z.unknown())]),
        compression: z.enum(COMPRESSIONS as [Compression, ...Compression[]]).default("blosc-lz4"),
      })
      .strict(),
    statistics: z.object({ start: DateValue.optional(), end: DateValue.optional() }).strict().optional(),
    build: z.object({ allow_nans: z.union([z.boolean(), z.array(z.string())]).optional() }).strict().optional(),
  })
  .strict();

type Path = (string | number)[];

function pathText(p: Path): string {
  return p.map(String).join(".");
}

/** Line (1-based) of the node at `path`: the key's line for mapping entries; the deepest existing ancestor otherwise. */
function lineOf(doc: Document, lc: LineCounter, p: Path): number | null {
  let node: unknown = doc.contents;
  let line: number | null = null;
  const at = (offset: number | undefined) => (offset === undefined ? null : lc.linePos(offset).line);
  if (node && typeof node === "object" && "range" in node) line = at((node as { range?: [number] }).range?.[0]);
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) return line;
      line = at(isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (!item) return line;
      line = at((item as { range?: [number] }).range?.[0]) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

function zodIssues(error: z.ZodError, base: Path, value: unknown): { path: Path; message: string }[] {
  return error.issues.map((issue) => {
    const p = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      return { path: [...p, keys[0]], message: `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")}` };
    }
    let v: unknown = value;
    for (const seg of issue.path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[seg as string] : undefined;
    if ((issue.code === "invalid_type" || issue.code === "invalid_union") && v === undefined) return { path: p, message: "required" };
    return { path: p, message: issue.message };
  });
}

function asInputMap(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Parse and validate a recipe. Throws RecipeError listing every problem. */
export async function loadRecipe(text: string, options: { file?: string; baseDir?: string } = {}): Promise<Recipe> {
  const file = options.file ?? "recipe.yaml";
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "");
    throw new RecipeError(file, [{ path: "", line: lc.linePos(err.pos[0]).line, message: `YAML syntax error: ${reason}` }]);
  }
  const raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const issues: { path: Path; message: string }[] = [];
  const fail = () =>
    new RecipeError(
      file,
      issues
        .map((i) => ({ path: pathText(i.path), line: lineOf(doc, lc, i.path), message: i.message }))
        .sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new RecipeError(file, [{ path: "", line: 1, message: "a recipe must be a mapping with dates, input and output" }]);
  }
  const parsed = RecipeSchema.safeParse(raw);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, [], raw));
  const obj = raw as Record<string, unknown>;

  // Dates
  let dates: Recipe["dates"] | null = null;
  const d = parsed.success ? parsed.data.dates : DatesSchema.safeParse(obj.dates).data;
  if (d) {
    const one = <T>(key: string, f: () => T): T | null => {
      try {
        return f();
      } catch (e) {
        if (e instanceof DateSpecError) {
          issues.push({ path: ["dates", key], message: e.message });
          return null;
        }
        throw e;
      }
    };
    const start = one("start", () => parseDateSpec(d.start, "start"));
    const end = one("end", () => parseDateSpec(d.end, "start"));
    const frequency = one("frequency", () => parseFrequency(d.frequency));
    if (start !== null && end !== null && frequency !== null) {
      if (end < start) issues.push({ path: ["dates", "end"], message: `end ${isoSeconds(end)} is before start ${isoSeconds(start)}` });
      else if ((end - start) % frequency !== 0) {
        issues.push({ path: ["dates", "end"], message: `end ${isoSeconds(end)} is not a whole number of ${d.frequency} steps after start ${isoSeconds(start)}` });
      } else {
        const all = dateRange(start, end, frequency);
        const missing: number[] = [];
        (d.missing ?? []).forEach((m, i) => {
          const t = one("missing", () => parseDateSpec(m, "start"));
          if (t === null) return;
          if (t < start || t > end || (t - start) % frequency !== 0) {
            issues.push({ path: ["dates", "missing", i], message: `missing date ${isoSeconds(t)} is not one of the recipe's dates` });
          } else missing.push(t);
        });
        dates = { start, end, frequency, missing: [...new Set(missing)].sort((a, b) => a - b), all };
      }
    }
  }

  // Statistics period
  const statistics: Recipe["statistics"] = {};
  const st = asInputMap(obj.statistics);
  if (st) {
    for (const key of ["start", "end"] as const) {
      const v = st[key];
      if (typeof v !== "string" && typeof v !== "number") continue;
      try {
        statistics[key] = parseDateSpec(v, key);
      } catch (e) {
        if (!(e instanceof DateSpecError)) throw e;
        issues.push({ path: ["statistics", key], message: e.message });
      }
    }
    if (dates && statistics.start !== undefined && statistics.end !== undefined && statistics.start > statistics.end) {
      issues.push({ path: ["statistics", "end"], message: `statistics end ${isoSeconds(statistics.end)} is before start ${isoSeconds(statistics.start)}` });
    }
    if (dates) {
      const period = dates.all.filter((t) => (statistics.start === undefined || t >= statistics.start) && (statistics.end === undefined || t <= statistics.end));
      if (period.length === 0) issues.push({ path: ["statistics"], message: "the statistics period contains none of the recipe's dates" });
    }
  }

  // Output grid
  let grid: Grid | null = null;
  const out = asInputMap(obj.output);
  if (out && out.grid !== undefined) {
    try {
      if (typeof out.grid === "string" || typeof out.grid === "number") grid = parseGrid(String(out.grid));
      else {
        const g = GridDescriptorSchema.safeParse(out.grid);
        if (g.success) grid = gridFromDescriptor(g.data);
        else issues.push({ path: ["output", "grid"], message: `invalid grid descriptor: ${g.error.issues[0].message}` });
      }
    } catch (e) {
      if (!(e instanceof GridSpecError)) throw e;
      issues.push({ path: ["output", "grid"], message: e.message });
    }
  }

  // Input tree
  const input = obj.input !== undefined ? await validateInput(obj.input, ["input"], issues, dates) : null;

  if (issues.length > 0 || !parsed.success || !dates || !grid || !input) {
    if (issues.length === 0) issues.push({ path: [], message: "invalid recipe" });
    throw fail();
  }
  const r = parsed.data;
  return {
    name: r.name,
    description: r.description,
    licence: r.licence,
    attribution: r.attribution,
    dates,
    input,
    output: { dtype: r.output.dtype, grid, gridSpec: r.output.grid, compression: r.output.compression },
    statistics,
    allowNans: r.build?.allow_nans ?? false,
    raw: obj,
    baseDir: options.baseDir ?? process.cwd(),
    text,
  };
}

export async function loadRecipeFile(file: string): Promise<Recipe> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (e) {
    throw new RecipeError(file, [{ path: "", line: null, message: `cannot read recipe: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}` }]);
  }
  return loadRecipe(text, { file, baseDir: path.dirname(path.resolve(file)) });
}

async function validateInput(
  value: unknown,
  p: Path,
  issues: { path: Path; message: string }[],
  dates: Recipe["dates"] | null,
): Promise<InputNode | null> {
  const map = asInputMap(value);
  if (!map) {
    issues.push({ path: p, message: `expected a mapping with one of join, concat or a source (${sourceNames().join(", ")})` });
    return null;
  }
  const keys = Object.keys(map);
  if (keys.length !== 1) {
    issues.push({ path: keys.length > 1 ? [...p, keys[1]] : p, message: `expected exactly one of join, concat or a source, got ${keys.length ? keys.join(", ") : "nothing"}` });
    return null;
  }
  const key = keys[0];
  const body = map[key];
  const here = [...p, key];
  if (key === "join") {
    if (!Array.isArray(body) || body.length === 0) {
      issues.push({ path: here, message: "join needs a non-empty list of inputs" });
      return null;
    }
    const items = await Promise.all(body.map((item, i) => validateInput(item, [...here, i], issues, dates)));
    return items.every((x) => x) ? { kind: "join", path: pathText(here), items: items as InputNode[] } : null;
  }
  if (key === "concat") {
    if (!Array.isArray(body) || body.length === 0) {
      issues.push({ path: here, message: "concat needs a non-empty list of {dates: {start, end}, <input>} blocks" });
      return null;
    }
    const items: { start: number; end: number; path: string; node: InputNode }[] = [];
    let ok = true;
    for (let i = 0; i < body.length; i++) {
      const ip = [...here, i];
      const item = asInputMap(body[i]);
      const dd = item ? asInputMap(item.dates) : null;
      if (!item || !dd || (typeof dd.start !== "string" && typeof dd.start !== "number") || (typeof dd.end !== "string" && typeof dd.end !== "number")) {
        issues.push({ path: item ? [...ip, "dates"] : ip, message: "each concat block needs dates: {start, end}" });
        ok = false;
        continue;
      }
      let start: number, end: number;
      try {
        start = parseDateSpec(dd.start, "start");
        end = parseDateSpec(dd.end, "end");
      } catch (e) {
        if (!(e instanceof DateSpecError)) throw e;
        issues.push({ path: [...ip, "dates"], message: e.message });
        ok = false;
        continue;
      }
      const rest = Object.fromEntries(Object.entries(item).filter(([k]) => k !== "dates"));
      const node = await validateInput(rest, ip, issues, dates);
      if (!node) {
        ok = false;
        continue;
      }
      if (items.length > 0 && start <= items[items.length - 1].end) {
        issues.push({ path: [...ip, "dates"], message: `concat blocks overlap or are out of order: ${isoSeconds(start)} is not after ${isoSeconds(items[items.length - 1].end)}` });
        ok = false;
      }
      items.push({ start, end, path: pathText(ip), node });
    }
    if (ok && dates) {
      const uncovered = dates.all.find((t) => !items.some((it) => t >= it.start && t <= it.end));
      if (uncovered !== undefined) {
        issues.push({ path: here, message: `no concat block covers the date ${isoSeconds(uncovered)}` });
        ok = false;
      }
    }
    return ok ? { kind: "concat", path: pathText(here), items } : null;
  }
  if (key === "pipe") {
    issues.push({ path: here, message: "pipe (filters) is not supported yet; use sources directly with join/concat" });
    return null;
  }
  if (!hasSource(key)) {
    issues.push({ path: here, message: `unknown source '${key}' (available: ${sourceNames().join(", ")}, or join/concat)` });
    return null;
  }
  let factory;
  try {
    factory = await getSource(key);
  } catch (e) {
    if (!(e instanceof UnknownSourceError)) throw e;
    issues.push({ path: here, message: e.message });
    return null;
  }
  const parsed = factory.configSchema.safeParse(body ?? {});
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, here, body ?? {}));
    return null;
  }
  return { kind: "source", path: pathText(here), name: key, config: parsed.data };
}
