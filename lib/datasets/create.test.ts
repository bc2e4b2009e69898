import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BuildInterruptedError, createDataset } from "./create";
import { openDataset } from "./open";
import { loadRecipe } from "./recipe";
import { analyticCalls, registerAnalyticSource, runPython, tmpDir } from "./test-utils";

beforeAll(() => registerAnalyticSource());

const recipeText = (extra = "", input = "analytic: {variables: [a, b, c], nanAbove: 60}") => `
name: stats
dates: {start: 2020-01-01T00:00:00, end: 2020-01-03T18:00:00, frequency: 6h${extra}}
input:
  ${input}
output: {grid: "15"}
statistics: {start: 2020-01-01T06:00:00, end: 2020-01-03}
build: {allow_nans: [a, b, c]}
`;

function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}

describe("createDataset statistics", () => {
  it("match a naive float64 computation over the statistics period, skipping NaNs and missing dates", async () => {
    const out = path.join(tmpDir(), "s.zarr");
    await createDataset(await loadRecipe(recipeText(", missing: [2020-01-02T12:00:00]")), out);
    const ds = await openDataset(out);
    expect(ds.missingDates).toEqual([Date.UTC(2020, 0, 2, 12) / 1000]);
    expect(ds.attrs.missing_dates).toEqual(["2020-01-02T12:00:00"]);
    expect(ds.attrs.statistics_start_date).toBe("2020-01-01T06:00:00");
    expect(ds.attrs.statistics_end_date).toBe("2020-01-03T18:00:00");
    const nv = ds.variables.length;
    const sum = new Float64Array(nv);
    const sq = new Float64Array(nv);
    const cnt = new Float64Array(nv);
    const lo = new Float64Array(nv).fill(Infinity);
    const hi = new Float64Array(nv).fill(-Infinity);
    const g = ds.grid.size;
    for (let i = 0; i < ds.dates.length; i++) {
      const v = await ds.readDate(i);
      const t = ds.dates[i];
      if (ds.missingDates.includes(t)) {
        expect(v.every((x) => Number.isNaN(x))).toBe(true);
        continue;
      }
      if (t < Date.UTC(2020, 0, 1, 6) / 1000) continue;
      for (let k = 0; k < nv; k++)
        for (let p = 0; p < g; p++) {
          const x = v[k * g + p];
          if (Number.isNaN(x)) continue;
          sum[k] += x;
          sq[k] += x * x;
          cnt[k]++;
          lo[k] = Math.min(lo[k], x);
          hi[k] = Math.max(hi[k], x);
        }
    }
    for (let k = 0; k < nv; k++) {
      const mean = sum[k] / cnt[k];
      const sd = Math.sqrt(sq[k] / cnt[k] - mean * mean);
      expect(ds.statistics.mean[k]).toBeCloseTo(mean, 9);
      expect(ds.statistics.stdev[k]).toBeCloseTo(sd, 6);
      expect(ds.statistics.minimum[k]).toBe(lo[k]);
      expect(ds.statistics.maximum[k]).toBe(hi[k]);
    }
    // points north of 60° are NaN: the count is exact and has_nans is set (read with zarr-python)
    const py = JSON.parse(
      runPython(`import sys, json, zarr; g = zarr.open_group(sys.argv[1], "r"); print(json.dumps({"count": [int(x) for x in g["count"][:]], "has_nans": [bool(x) for x in g["has_nans"][:]], "sums": [float(x) for x in g["sums"][:]]}))`, [out]),
    ) as { count: number[]; has_nans: boolean[]; sums: number[] };
    expect(py.count).toEqual(Array.from(cnt));
    expect(py.has_nans).toEqual([true, true, true]);
    expect(py.sums[1]).toBeCloseTo(sum[1], 6);
    expect(ds.attrs.variables_with_nans).toEqual(["a", "b", "c"]);
  });

  it("uses anemoi's default window (first 80 % of a short dataset) without a statistics section", async () => {
    const out = path.join(tmpDir(), "d.zarr");
    const text = recipeText().replace("statistics: {start: 2020-01-01T06:00:00, end: 2020-01-03}\n", "");
    await createDataset(await loadRecipe(text), out);
    const ds = await openDataset(out);
    // 12 dates → the first 9
    expect(ds.attrs.statistics_end_date).toBe("2020-01-03T00:00:00");
  });

  it("refuses NaNs unless allowed", async () => {
    const out = path.join(tmpDir(), "n.zarr");
    const text = recipeText().replace("build: {allow_nans: [a, b, c]}", "build: {allow_nans: [a]}");
    await expect(createDataset(await loadRecipe(text), out)).rejects.toThrow(
      "'b' has NaN values at 2020-01-01T00:00:00; set build.allow_nans: true (or list 'b' in it) to allow them",
    );
  });
});

describe("createDataset safety and resumability", () => {
  it("an interrupted build is refused by openDataset, resumes where it stopped, and ends byte-identical to an uninterrupted one", async () => {
    const dir = tmpDir();
    const recipe = await loadRecipe(recipeText());
    const reference = path.join(dir, "ref.zarr");
    await createDataset(recipe, reference, { uuid: "00000000-0000-4000-8000-000000000000" });

    const out = path.join(dir, "resumed.zarr");
    const ac = new AbortController();
    const err = await createDataset(recipe, out, {
      uuid: "00000000-0000-4000-8000-000000000000",
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done === 5) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildInterruptedError);
    expect((err as Error).message).toBe("build interrupted after 5 of 12 dates; run it again to resume");
    expect(fs.existsSync(out)).toBe(false);
    await expect(openDataset(out)).rejects.toThrow(
      `dataset ${out} is incomplete: an unfinished build is in ${out}.building (run the same 'isobar datasets create' again to resume it)`,
    );
    await expect(openDataset(`${out}.building`)).rejects.toThrow(`dataset ${out}.building is incomplete: its build has not finished`);

    analyticCalls.count = 0;
    const result = await createDataset(recipe, out, { uuid: "11111111-1111-4111-8111-111111111111" });
    expect(result.resumedFrom).toBe(5);
    expect(analyticCalls.count).toBe(7);
    const files = listFiles(out);
    expect(files).toEqual(listFiles(reference));
    for (const f of files) {
      if (f === ".zattrs") continue;
      expect(Buffer.compare(fs.readFileSync(path.join(out, f)), fs.readFileSync(path.join(reference, f))), f).toBe(0);
    }
    const strip = (p: string) => {
      const a = JSON.parse(fs.readFileSync(path.join(p, ".zattrs"), "utf8")) as Record<string, unknown>;
      delete a.latest_write_timestamp;
      return a;
    };
    // the resumed build keeps the uuid it started with
    expect(strip(out)).toEqual(strip(reference));
  });

  it("refuses to resume a build of a different recipe, and to overwrite without --overwrite", async () => {
    const dir = tmpDir();
    const out = path.join(dir, "x.zarr");
    const ac = new AbortController();
    ac.abort();
    await expect(createDataset(await loadRecipe(recipeText()), out, { signal: ac.signal })).rejects.toThrow("build interrupted after 0 of 12 dates");
    const other = await loadRecipe(recipeText().replace("name: stats", "name: other"));
    await expect(createDataset(other, out)).rejects.toThrow(`an unfinished build of a different recipe is in ${out}.building; use --overwrite to discard it`);
    await createDataset(other, out, { overwrite: true });
    await expect(createDataset(other, out)).rejects.toThrow(`${out} already exists (use --overwrite to replace it)`);
    await expect(createDataset(other, path.join(dir, "x.zip"))).rejects.toThrow("the output path must end in .zarr");
  });

  it("fails with the source's error and keeps the finished dates for a resume", async () => {
    const out = path.join(tmpDir(), "f.zarr");
    const recipe = await loadRecipe(recipeText("", "analytic: {variables: [a], failAt: '2020-01-02T06'}").replace("build: {allow_nans: [a, b, c]}", ""));
    await expect(createDataset(recipe, out)).rejects.toThrow("simulated failure at 2020-01-02T06");
    const state = JSON.parse(fs.readFileSync(path.join(`${out}.building`, "_build", "state.json"), "utf8")) as { done: number };
    expect(state.done).toBe(5);
  });
});
