import path from "node:path";
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createDataset } from "./create";
import { openDataset } from "./open";
import { loadRecipe, loadRecipeFile, RecipeError } from "./recipe";
import { registerAnalyticSource, tmpDir } from "./test-utils";

beforeAll(() => registerAnalyticSource());

async function issuesOf(yaml: string): Promise<string[]> {
  try {
    await loadRecipe(yaml, { file: "r.yaml" });
  } catch (e) {
    if (e instanceof RecipeError) return e.message.split("\n");
    throw e;
  }
  throw new Error("the recipe was accepted");
}

describe("recipe validation", () => {
  it("accepts a full anemoi-style recipe", async () => {
    const r = await loadRecipe(`
name: demo
description: a demo
licence: CC-BY-4.0
attribution: Isobar
dates: {start: 2020-01-01T00:00:00, end: 2020-01-02T00:00:00, frequency: PT6H, missing: ["2020-01-01T12:00:00"]}
input:
  join:
    - analytic: {variables: [a]}
    - concat:
        - dates: {start: 2020-01-01T00:00:00, end: 2020-01-01T18:00:00}
          analytic: {variables: [b]}
        - dates: {start: 2020-01-02, end: 2020-01-02}
          analytic: {variables: [b]}
output: {dtype: float32, chunking: {dates: 1, ensembles: 1}, grid: O12, compression: zlib}
statistics: {start: 2020, end: 2020-01-01}
`);
    expect(r.dates.all.length).toBe(5);
    expect(r.dates.frequency).toBe(21600);
    expect(r.dates.missing).toEqual([Date.UTC(2020, 0, 1, 12) / 1000]);
    expect(r.output.grid.id).toBe("O12");
    expect(r.output.compression).toBe("zlib");
    expect(r.statistics.end).toBe(Date.UTC(2020, 0, 2) / 1000 - 1);
    expect(r.input.kind).toBe("join");
  });

  it("reports every problem with its YAML path and line", async () => {
    const yaml = [
      "name: bad", // 1
      "dates:", // 2
      "  start: 2020-01-01T00:00:00", // 3
      "  end: 2019-12-31", // 4
      "  frequency: 7x", // 5
      "input:", // 6
      "  join:", // 7
      "    - analytic: {variables: []}", // 8
      "    - nosuch: {a: 1}", // 9
      "    - analytic: {colour: red}", // 10
      "output:", // 11
      "  grid: Q12", // 12
      "  dtype: float16", // 13
      "statistics: {start: 2020-02-30}", // 14
      "extra: 1", // 15
    ].join("\n");
    expect(await issuesOf(yaml)).toEqual([
      "r.yaml:5: dates.frequency: invalid frequency '7x' (use e.g. 6h, 30m, 1d or PT6H)",
      "r.yaml:8: input.join.0.analytic.variables: Too small: expected array to have >=1 items",
      "r.yaml:9: input.join.1.nosuch: unknown source 'nosuch' (available: analytic, constants, forcings, netcdf, synthetic, xarray-zarr, or join/concat)",
      "r.yaml:10: input.join.2.analytic.colour: unknown key 'colour'",
      'r.yaml:12: output.grid: unknown grid "Q12"; expected one of "1.5", "0.25x0.25" (Δlon x Δlat), "regular-1.5x1.5", "O96", "N320" (= "F320"), "reduced-N320", "H64", "H64-ring", "H64-nested"',
      'r.yaml:13: output.dtype: Invalid input: expected "float32"',
      "r.yaml:14: statistics.start: invalid date '2020-02-30'",
      "r.yaml:15: extra: unknown key 'extra'",
    ]);
  });

  it("checks dates, missing dates, concat coverage and required keys", async () => {
    expect(await issuesOf("dates: {start: 2020-01-02, end: 2020-01-01, frequency: 6h}\ninput: {analytic: {}}\noutput: {grid: O12}\n")).toEqual([
      "r.yaml:1: dates.end: end 2020-01-01T00:00:00 is before start 2020-01-02T00:00:00",
    ]);
    expect(await issuesOf("dates: {start: 2020-01-01, end: 2020-01-01T07:00:00, frequency: 6h}\ninput: {analytic: {}}\noutput: {grid: O12}\n")).toEqual([
      "r.yaml:1: dates.end: end 2020-01-01T07:00:00 is not a whole number of 6h steps after start 2020-01-01T00:00:00",
    ]);
    expect(
      await issuesOf("dates:\n  start: 2020-01-01\n  end: 2020-01-02\n  frequency: 6h\n  missing: [2020-01-01T03:00:00]\ninput: {analytic: {}}\noutput: {grid: O12}\n"),
    ).toEqual(["r.yaml:5: dates.missing.0: missing date 2020-01-01T03:00:00 is not one of the recipe's dates"]);
    expect(await issuesOf("input: {analytic: {}}\n")).toEqual(["r.yaml:1: dates: required", "r.yaml:1: output: required"]);
    expect(await issuesOf("dates: {start: 2020-01-01, end: 2020-01-02, frequency: 6h}\ninput: {analytic: {}}\noutput: {compression: lzma}\n")).toEqual([
      'r.yaml:3: output.grid: required',
      'r.yaml:3: output.compression: Invalid option: expected one of "blosc-lz4"|"blosc-zstd"|"zlib"|"none"',
    ]);
    const concat = [
      "dates: {start: 2020-01-01, end: 2020-01-03, frequency: 1d}",
      "input:",
      "  concat:",
      "    - dates: {start: 2020-01-01, end: 2020-01-01}",
      "      analytic: {}",
      "    - dates: {start: 2020-01-03, end: 2020-01-03}",
      "      analytic: {}",
      "output: {grid: O12}",
    ].join("\n");
    expect(await issuesOf(concat)).toEqual(["r.yaml:3: input.concat: no concat block covers the date 2020-01-02T00:00:00"]);
    expect(await issuesOf("dates: {start: 2020-01-01, end: 2020-01-02, frequency: 6h}\ninput: {analytic: {}, netcdf: {path: x}}\noutput: {grid: O12}\n")).toEqual([
      "r.yaml:2: input.netcdf: expected exactly one of join, concat or a source, got analytic, netcdf",
    ]);
    expect(await issuesOf("dates: [1\n")).toEqual([expect.stringMatching(/^r\.yaml:\d+: YAML syntax error: /)]);
  });

  it("loads from a file, resolving relative paths against the recipe's directory", async () => {
    const dir = tmpDir();
    const file = path.join(dir, "r.yaml");
    fs.writeFileSync(file, "dates: {start: 2020-01-01, end: 2020-01-01, frequency: 6h}\ninput: {netcdf: {path: x.nc}}\noutput: {grid: O12}\n");
    const r = await loadRecipeFile(file);
    expect(r.baseDir).toBe(dir);
    await expect(loadRecipeFile(path.join(dir, "none.yaml"))).rejects.toThrow(`${path.join(dir, "none.yaml")}: cannot read recipe: no such file`);
  });
});

describe("built-in sources through the registry", () => {
  it("builds a synthetic + forcings dataset", async () => {
    const yaml = `
dates: {start: 2020-06-01T00:00:00, end: 2020-06-01T12:00:00, frequency: 6h}
input:
  join:
    - synthetic: {seed: 3, variables: [z_500, 2t], degree: 8}
    - forcings: [cos_latitude, insolation]
output: {grid: "10"}
`;
    const out = path.join(tmpDir(), "syn.zarr");
    await createDataset(await loadRecipe(yaml), out);
    const ds = await openDataset(out);
    expect(ds.variables).toEqual(["z_500", "2t", "cos_latitude", "insolation"]);
    expect(ds.variablesMetadata.cos_latitude.constant_in_time).toBe(true);
    expect(ds.attrs.constant_fields).toContain("cos_latitude");
    const v = await ds.readDate(2);
    expect(v.every((x) => Number.isFinite(x))).toBe(true);
  }, 60_000);
});
