import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createDataset } from "./create";
import type { Dataset } from "./dataset";
import { openDataset } from "./open";
import { loadRecipe } from "./recipe";
import { analytic, registerAnalyticSource, tmpDir } from "./test-utils";

let dir: string;
const paths: Record<string, string> = {};

async function build(name: string, { start, end, freq = "6h", vars = "[a, b, c]", grid = '"30"' }: { start: string; end: string; freq?: string; vars?: string; grid?: string }) {
  const yaml = `
dates: {start: ${start}, end: ${end}, frequency: ${freq}}
input: {analytic: {variables: ${vars}}}
output: {grid: ${grid}}
statistics: {start: ${start}, end: ${end}}
`;
  paths[name] = path.join(dir, `${name}.zarr`);
  await createDataset(await loadRecipe(yaml), paths[name]);
}

beforeAll(async () => {
  registerAnalyticSource();
  dir = tmpDir();
  await build("main", { start: "2020-01-01T00:00:00", end: "2020-01-04T18:00:00" });
  await build("next", { start: "2020-01-05T00:00:00", end: "2020-01-05T18:00:00" });
  await build("gap", { start: "2020-01-06T00:00:00", end: "2020-01-06T18:00:00" });
  await build("other", { start: "2020-01-01T00:00:00", end: "2020-01-04T18:00:00", vars: "[x, b]" });
  await build("hourly", { start: "2020-01-01T00:00:00", end: "2020-01-01T18:00:00", freq: "3h" });
  await build("o12", { start: "2020-01-01T00:00:00", end: "2020-01-04T18:00:00", grid: "O12" });
  await build("coarse", { start: "2020-01-01T00:00:00", end: "2020-01-04T18:00:00", grid: "1.5", vars: "[a]" });
  await build("o96", { start: "2020-01-01T00:00:00", end: "2020-01-04T18:00:00", grid: "O96", vars: "[a]" });
}, 60_000);

/** Value of variable named `name` (analytic index k) at date index i and point p of a view. */
async function expectAnalytic(ds: Dataset, i: number, checks: { v: number; k: number }[]) {
  const data = await ds.readDate(i);
  const g = ds.grid;
  const hours = ds.dates[i] / 3600;
  for (const { v, k } of checks) {
    for (let p = 0; p < g.size; p += Math.max(1, Math.floor(g.size / 7))) {
      expect(data[v * g.size + p]).toBeCloseTo(Math.fround(analytic(k, g.latitudes[p], g.longitudes[p], hours)), 4);
    }
  }
}

describe("views", () => {
  it("select sets the order; drop removes; statistics follow", async () => {
    const base = await openDataset(paths.main);
    const ds = await openDataset(paths.main, { select: ["c", "a"] });
    expect(ds.variables).toEqual(["c", "a"]);
    expect(ds.shape).toEqual([16, 2, 1, 84]);
    expect(Array.from(ds.statistics.mean)).toEqual([base.statistics.mean[2], base.statistics.mean[0]]);
    await expectAnalytic(ds, 5, [{ v: 0, k: 2 }, { v: 1, k: 0 }]);
    const dropped = await openDataset({ dataset: paths.main, drop: "b" });
    expect(dropped.variables).toEqual(["a", "c"]);
    await expectAnalytic(dropped, 0, [{ v: 1, k: 2 }]);
  });

  it("start/end with partial dates, frequency subsampling", async () => {
    const ds = await openDataset(paths.main, { start: "2020-01-02", end: 20200103 });
    expect(ds.dates.length).toBe(8);
    expect(ds.dates[0]).toBe(Date.UTC(2020, 0, 2) / 1000);
    expect(ds.dates[7]).toBe(Date.UTC(2020, 0, 3, 18) / 1000);
    await expectAnalytic(ds, 3, [{ v: 1, k: 1 }]);
    const daily = await openDataset(paths.main, { frequency: "1d", start: "2020-01-02" });
    expect(daily.frequency).toBe(86400);
    expect(daily.dates.map((d) => new Date(d * 1000).toISOString().slice(0, 13))).toEqual(["2020-01-02T00", "2020-01-03T00", "2020-01-04T00"]);
    await expectAnalytic(daily, 2, [{ v: 0, k: 0 }]);
    const year = await openDataset(paths.main, { end: 2020 });
    expect(year.dates.length).toBe(16);
  });

  it("area crops to a lat/lon box (across the dateline too), thinning keeps every n-th row and column", async () => {
    const box = await openDataset(paths.main, { area: [60, 0, 0, 90] });
    expect(box.grid.size).toBe(3 * 4);
    expect(box.grid.kind).toBe("regular");
    await expectAnalytic(box, 2, [{ v: 2, k: 2 }]);
    const across = await openDataset(paths.main, { area: [30, -30, -30, 30] });
    expect(across.grid.size).toBe(3 * 3);
    expect([...new Set(across.grid.longitudes)].sort((a, b) => a - b)).toEqual([0, 30, 330]);
    await expectAnalytic(across, 0, [{ v: 0, k: 0 }]);
    const thin = await openDataset(paths.main, { thinning: 2 });
    expect(thin.grid.size).toBe(4 * 6);
    expect(thin.grid.id).toBe("regular-60x60");
    await expectAnalytic(thin, 1, [{ v: 1, k: 1 }]);
    const thinO = await openDataset(paths.o12, { thinning: 10 });
    expect(thinO.grid.size).toBe(Math.ceil((4 * 144 + 36 * 12) / 10));
    await expectAnalytic(thinO, 1, [{ v: 2, k: 2 }]);
  });

  it("statistics from another dataset", async () => {
    const other = await openDataset(paths.main, { start: "2020-01-04" });
    const ds = await openDataset(paths.main, { select: ["b"], statistics: { dataset: paths.main, start: "2020-01-04" } });
    expect(ds.statistics.mean[0]).toBe(other.statistics.mean[1]);
    await expect(openDataset(paths.main, { statistics: paths.other })).rejects.toThrow(`cannot take statistics from ${paths.other}: it lacks variables a, c`);
  });

  it("join merges variables (the last occurrence wins); concat appends dates", async () => {
    const joined = await openDataset({ join: [paths.main, paths.other] });
    expect(joined.variables).toEqual(["a", "b", "c", "x"]);
    const other = await openDataset(paths.other);
    expect(joined.statistics.mean[1]).toBe(other.statistics.mean[1]);
    await expectAnalytic(joined, 4, [{ v: 0, k: 0 }, { v: 1, k: 1 }, { v: 2, k: 2 }, { v: 3, k: 0 }]);
    const cat = await openDataset({ concat: [paths.main, paths.next], select: ["c"] });
    expect(cat.dates.length).toBe(20);
    await expectAnalytic(cat, 17, [{ v: 0, k: 2 }]);
    await expectAnalytic(cat, 3, [{ v: 0, k: 2 }]);
  });

  it("invalid combinations fail with specific errors", async () => {
    await expect(openDataset({ join: [paths.o96, paths.coarse] })).rejects.toThrow(
      "cannot join: datasets have different grids (O96 with 40320 points vs 1.5° regular with 29040 points)",
    );
    await expect(openDataset({ join: [paths.main, paths.next] })).rejects.toThrow(
      "cannot join: datasets have different dates (16 dates from 2020-01-01T00:00:00 to 2020-01-04T18:00:00 vs 4 dates from 2020-01-05T00:00:00 to 2020-01-05T18:00:00); use start/end to align them",
    );
    await expect(openDataset({ join: [paths.main, paths.hourly] })).rejects.toThrow("cannot join: datasets have different frequencies (6h vs 3h)");
    await expect(openDataset({ concat: [paths.main, paths.o12] })).rejects.toThrow(
      "cannot concat: datasets have different grids (30° regular with 84 points vs O12 with 1008 points)",
    );
    await expect(openDataset({ concat: [paths.main, paths.other] })).rejects.toThrow("cannot concat: datasets have different variables ([a, b, c] vs [x, b])");
    await expect(openDataset({ concat: [paths.next, paths.main] })).rejects.toThrow("cannot concat: dates overlap or are out of order");
    await expect(openDataset({ concat: [paths.main, paths.gap] })).rejects.toThrow(
      "cannot concat: gap between 2020-01-04T18:00:00 and 2020-01-06T00:00:00 (expected the next date 2020-01-05T00:00:00)",
    );
    await expect(openDataset({ concat: [paths.main, paths.hourly] })).rejects.toThrow("cannot concat: datasets have different frequencies (6h vs 3h)");
    await expect(openDataset(paths.main, { select: ["a", "zz"] })).rejects.toThrow("cannot select unknown variable 'zz' (the dataset has a, b, c)");
    await expect(openDataset(paths.main, { select: ["a", "a"] })).rejects.toThrow("variable 'a' appears twice in select");
    await expect(openDataset(paths.main, { drop: ["a", "b", "c"] })).rejects.toThrow("drop removes every variable of the dataset");
    await expect(openDataset(paths.main, { drop: "q" })).rejects.toThrow("cannot drop unknown variable 'q'");
    await expect(openDataset(paths.main, { frequency: "9h" })).rejects.toThrow("cannot subsample to frequency 9h: it is not a multiple of the dataset frequency 6h");
    await expect(openDataset(paths.main, { frequency: "fortnightly" })).rejects.toThrow("frequency: invalid frequency 'fortnightly'");
    await expect(openDataset(paths.main, { start: 2021 })).rejects.toThrow("start 2021-01-01T00:00:00 is after the last date of the dataset (2020-01-04T18:00:00)");
    await expect(openDataset(paths.main, { end: 2019 })).rejects.toThrow("end 2019-12-31T23:59:59 is before the first date of the dataset (2020-01-01T00:00:00)");
    await expect(openDataset(paths.main, { start: "2020-01-02T01:00:00", end: "2020-01-02T05:00:00" })).rejects.toThrow(
      "no dates between 2020-01-02T01:00:00 and 2020-01-02T05:00:00: the dataset covers 2020-01-01T00:00:00 to 2020-01-04T18:00:00",
    );
    await expect(openDataset(paths.main, { start: "2020-01-03", end: "2020-01-02" })).rejects.toThrow("start 2020-01-03T00:00:00 is after end 2020-01-02T23:59:59");
    await expect(openDataset(paths.main, { start: "2020-13" })).rejects.toThrow("start: invalid date '2020-13'");
    await expect(openDataset(paths.main, { area: [10, 10, 20, 20] })).rejects.toThrow("area [10, 10, 20, 20]: north (10) is south of south (20)");
    await expect(openDataset(paths.main, { area: [10, 5, 5, 10] })).rejects.toThrow("area [10, 5, 5, 10] contains no grid points");
    await expect(openDataset(paths.main, { thinning: 0 })).rejects.toThrow("thinning must be a positive whole number, got 0");
    await expect(openDataset({ dataset: paths.main, thinning: 1.5 })).rejects.toThrow("invalid dataset spec at thinning");
    await expect(openDataset({ dataset: paths.main, join: [paths.main] })).rejects.toThrow("a dataset spec needs exactly one of 'dataset', 'join' or 'concat'");
    await expect(openDataset({ dataset: paths.main, bogus: 1 } as never)).rejects.toThrow("invalid dataset spec at bogus: unknown key");
    await expect(openDataset(path.join(dir, "none.zarr"))).rejects.toThrow(`dataset ${path.join(dir, "none.zarr")} does not exist`);
    await expect(openDataset(dir)).rejects.toThrow(`${dir} is not a zarr v2 group (no .zgroup)`);
    const ds = await openDataset(paths.main);
    await expect(ds.readDate(16)).rejects.toThrow("date index 16 out of range [0, 16)");
  });
});
