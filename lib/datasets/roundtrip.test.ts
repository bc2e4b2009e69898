import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseGrid } from "@/lib/grids";
import { createDataset } from "./create";
import { openDataset } from "./open";
import { loadRecipe } from "./recipe";
import { analytic, registerAnalyticSource, tmpDir } from "./test-utils";

beforeAll(() => registerAnalyticSource());

const RECIPE = `
name: test
description: analytic test dataset
licence: CC-BY-4.0
attribution: Isobar tests
dates: {start: 2020-01-01T00:00:00, end: 2020-01-02T18:00:00, frequency: 6h}
input:
  analytic: {variables: [a, b, c]}
output: {grid: "10", compression: blosc-lz4}
statistics: {start: 2020-01-01, end: 2020-01-02T06:00:00}
`;

describe("create → open round trip", () => {
  it("writes and reads back every date, with dates, grid and attributes", async () => {
    const dir = tmpDir();
    const out = path.join(dir, "t.zarr");
    const recipe = await loadRecipe(RECIPE);
    const progress: number[] = [];
    await createDataset(recipe, out, { onProgress: (p) => progress.push(p.done) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(fs.existsSync(`${out}.building`)).toBe(false);
    const ds = await openDataset(out);
    expect(ds.variables).toEqual(["a", "b", "c"]);
    expect(ds.shape).toEqual([8, 3, 1, 36 * 19]);
    expect(ds.frequency).toBe(6 * 3600);
    expect(ds.dates[0]).toBe(Date.UTC(2020, 0, 1) / 1000);
    expect(ds.grid.id).toBe(parseGrid("10").id);
    expect(ds.attrs.frequency).toBe("6h");
    expect(ds.attrs.start_date).toBe("2020-01-01T00:00:00");
    expect(ds.attrs.end_date).toBe("2020-01-02T18:00:00");
    expect(ds.attrs.resolution).toBe("10");
    expect(ds.attrs.field_shape).toEqual([19, 36]);
    expect(ds.attrs.licence).toBe("CC-BY-4.0");
    expect(ds.variablesMetadata.a.units).toBe("K");
    const v = await ds.readDate(3);
    const g = ds.grid;
    const hours = ds.dates[3] / 3600;
    for (const p of [0, 100, 500]) {
      expect(v[2 * g.size + p]).toBeCloseTo(Math.fround(analytic(2, g.latitudes[p], g.longitudes[p], hours)), 6);
    }
  });
});
