import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createDataset } from "./create";
import { openDataset } from "./open";
import { loadRecipe } from "./recipe";
import { registerAnalyticSource, runPython, tmpDir } from "./test-utils";
import type { Compression } from "./zarr-store";

/**
 * Interop with zarr-python 2 (Debian's python3-zarr): datasets written by Isobar open in Python
 * unchanged, and anemoi-layout stores written by Python (default Blosc) open in Isobar.
 * These tests fail (never skip) when python3-zarr is not installed.
 */

beforeAll(() => registerAnalyticSource());

const recipe = (compression: Compression) => `
name: interop
dates: {start: 2021-03-01T00:00:00, end: 2021-03-02T00:00:00, frequency: 12h}
input: {analytic: {variables: [2t, msl]}}
output: {grid: "30", compression: ${compression}}
statistics: {start: 2021-03-01, end: 2021-03-02}
`;

const READ_IN_PYTHON = `
import sys, json, zarr, numpy as np
g = zarr.open_group(sys.argv[1], mode="r")
d = g["data"]
dates = g["dates"][:]
out = {
  "shape": list(d.shape), "chunks": list(d.chunks), "dtype": str(d.dtype), "fill": str(d.fill_value),
  "compressor": d.compressor.get_config() if d.compressor else None,
  "dates_dtype": str(dates.dtype), "dates": [str(x) for x in dates],
  "lat_dtype": str(g["latitudes"].dtype), "lat0": float(g["latitudes"][0]), "lon1": float(g["longitudes"][1]),
  "mean": [float(x) for x in g["mean"][:]], "count": [int(x) for x in g["count"][:]], "count_dtype": str(g["count"].dtype),
  "has_nans": [bool(x) for x in g["has_nans"][:]],
  "dims": {k: g[k].attrs["_ARRAY_DIMENSIONS"] for k in ["data", "dates", "latitudes", "longitudes", "mean", "stdev", "minimum", "maximum", "sums", "squares", "count", "has_nans"]},
  "attrs": dict(g.attrs),
  "sample": [float(x) for x in d[1, :, 0, :5].ravel()],
}
print(json.dumps(out))
`;

describe("Isobar → zarr-python", () => {
  for (const compression of ["blosc-lz4", "blosc-zstd", "zlib", "none"] as const) {
    it(`a dataset written by Isobar (${compression}) opens in zarr-python with the same values`, async () => {
      const out = path.join(tmpDir(), "isobar.zarr");
      await createDataset(await loadRecipe(recipe(compression)), out);
      const ds = await openDataset(out);
      const py = JSON.parse(runPython(READ_IN_PYTHON, [out])) as Record<string, unknown> & { attrs: Record<string, unknown> };
      expect(py.shape).toEqual([3, 2, 1, 12 * 7]);
      expect(py.chunks).toEqual([1, 2, 1, 12 * 7]);
      expect(py.dtype).toBe("float32");
      expect(py.fill).toBe("nan");
      const expected = { "blosc-lz4": { id: "blosc", cname: "lz4" }, "blosc-zstd": { id: "blosc", cname: "zstd" }, zlib: { id: "zlib" }, none: null }[compression];
      if (expected) expect(py.compressor).toMatchObject(expected);
      else expect(py.compressor).toBeNull();
      expect(py.dates_dtype).toBe("datetime64[s]");
      expect(py.dates).toEqual(["2021-03-01T00:00:00", "2021-03-01T12:00:00", "2021-03-02T00:00:00"]);
      expect(py.lat_dtype).toBe("float64");
      expect(py.lat0).toBe(90);
      expect(py.lon1).toBe(30);
      expect(py.count_dtype).toBe("int64");
      expect(py.count).toEqual([3 * 84, 3 * 84]);
      expect(py.has_nans).toEqual([false, false]);
      expect((py.mean as number[])[0]).toBeCloseTo(ds.statistics.mean[0], 10);
      expect(py.dims).toMatchObject({ data: ["time", "variable", "ensemble", "cell"], dates: ["time"], latitudes: ["cell"], mean: ["variable"] });
      for (const key of ["variables", "frequency", "start_date", "end_date", "resolution", "field_shape", "missing_dates", "variables_metadata", "recipe", "licence", "attribution", "uuid", "version", "grid"]) {
        expect(py.attrs, key).toHaveProperty(key);
      }
      expect(py.attrs.variables).toEqual(["2t", "msl"]);
      expect(py.attrs.frequency).toBe("12h");
      const mine = await ds.readDate(1);
      const sample = [...mine.subarray(0, 5), ...mine.subarray(84, 89)];
      expect(py.sample).toEqual(sample);
    });
  }
});

const WRITE_IN_PYTHON = `
import sys, zarr, numpy as np
from numcodecs import Zlib, Blosc
kind = sys.argv[2]
comp = {"default": None, "zstd": Blosc(cname="zstd", clevel=3, shuffle=Blosc.BITSHUFFLE), "zlib": Zlib(level=4)}[kind]
kw = {} if comp is None else {"compressor": comp}
g = zarr.open_group(sys.argv[1], mode="w")
nd, nv, ne = 4, 2, 1
lats = np.repeat(np.arange(90, -91, -45.0), 8)
lons = np.tile(np.arange(0, 360, 45.0), 5)
ng = lats.size
data = np.empty((nd, nv, ne, ng), dtype="f4")
for t in range(nd):
    for v in range(nv):
        data[t, v, 0] = 1000 * v + t + lats / 100 + lons / 1000
data[2, 1, 0, 3] = np.nan
a = g.create_dataset("data", data=data, chunks=(1, nv, 1, ng), fill_value=np.nan, **kw)
a.attrs["_ARRAY_DIMENSIONS"] = ["time", "variable", "ensemble", "cell"]
dates = np.array(["2019-12-31T18:00:00", "2020-01-01T00:00:00", "2020-01-01T06:00:00", "2020-01-01T12:00:00"], dtype="datetime64[s]")
g.create_dataset("dates", data=dates, **kw).attrs["_ARRAY_DIMENSIONS"] = ["time"]
g.create_dataset("latitudes", data=lats, **kw).attrs["_ARRAY_DIMENSIONS"] = ["cell"]
g.create_dataset("longitudes", data=lons, **kw).attrs["_ARRAY_DIMENSIONS"] = ["cell"]
for name, fn in [("mean", np.nanmean), ("stdev", np.nanstd), ("minimum", np.nanmin), ("maximum", np.nanmax)]:
    g.create_dataset(name, data=np.array([fn(data[:, v]) for v in range(nv)], dtype="f8"), **kw).attrs["_ARRAY_DIMENSIONS"] = ["variable"]
g.create_dataset("has_nans", data=np.array([False, True]), **kw).attrs["_ARRAY_DIMENSIONS"] = ["variable"]
g.attrs.update({"variables": ["2t", "10u"], "frequency": "6h", "start_date": "2019-12-31T18:00:00", "end_date": "2020-01-01T12:00:00",
  "resolution": "45", "field_shape": [5, 8], "missing_dates": ["2020-01-01T06:00:00"], "version": "0.30", "licence": "CC-BY-4.0",
  "attribution": "test", "variables_metadata": {"2t": {"units": "K"}, "10u": {"units": "m/s"}}})
`;

describe("zarr-python → Isobar", () => {
  for (const kind of ["default", "zstd", "zlib"]) {
    it(`an anemoi-layout store written by zarr-python (${kind === "default" ? "default Blosc lz4" : kind}) opens in Isobar`, async () => {
      const out = path.join(tmpDir(), "python.zarr");
      runPython(WRITE_IN_PYTHON, [out, kind]);
      const ds = await openDataset(out);
      expect(ds.variables).toEqual(["2t", "10u"]);
      expect(ds.shape).toEqual([4, 2, 1, 40]);
      expect(ds.dates.map((d) => new Date(d * 1000).toISOString())).toEqual([
        "2019-12-31T18:00:00.000Z",
        "2020-01-01T00:00:00.000Z",
        "2020-01-01T06:00:00.000Z",
        "2020-01-01T12:00:00.000Z",
      ]);
      expect(ds.frequency).toBe(21600);
      expect(ds.missingDates).toEqual([Date.UTC(2020, 0, 1, 6) / 1000]);
      expect(ds.grid.kind).toBe("regular");
      expect(ds.grid.id).toBe("regular-45x45");
      const v = await ds.readDate(2);
      const lat = 90 - 45 * Math.floor(5 / 8);
      expect(v[5]).toBe(Math.fround(0 + 2 + lat / 100 + (45 * 5) / 1000));
      expect(Number.isNaN(v[40 + 3])).toBe(true);
      expect(v[40 + 4]).toBe(Math.fround(1000 + 2 + 90 / 100 + (45 * 4) / 1000));
      expect(ds.statistics.mean[1]).toBeGreaterThan(1000);
      const sub = await openDataset(out, { select: ["10u"], start: "2020-01-01", area: [50, 0, -50, 100] });
      expect(sub.shape).toEqual([3, 1, 1, 3 * 3]);
    });
  }
});

describe("ensembles", () => {
  it("reads a 2-member store chunked (1, V, 1, G) as anemoi writes ensembles", async () => {
    const out = path.join(tmpDir(), "ens.zarr");
    runPython(
      `
import sys, zarr, numpy as np
g = zarr.open_group(sys.argv[1], mode="w")
lats = np.repeat([45.0, -45.0], 4); lons = np.tile([0.0, 90.0, 180.0, 270.0], 2)
data = np.arange(3 * 2 * 2 * 8, dtype="f4").reshape(3, 2, 2, 8)
g.create_dataset("data", data=data, chunks=(1, 2, 1, 8), fill_value=np.nan).attrs["_ARRAY_DIMENSIONS"] = ["time", "variable", "ensemble", "cell"]
g.create_dataset("dates", data=np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[s]")).attrs["_ARRAY_DIMENSIONS"] = ["time"]
g.create_dataset("latitudes", data=lats).attrs["_ARRAY_DIMENSIONS"] = ["cell"]
g.create_dataset("longitudes", data=lons).attrs["_ARRAY_DIMENSIONS"] = ["cell"]
g.attrs.update({"variables": ["u", "v"], "frequency": "1d"})
`,
      [out],
    );
    const ds = await openDataset(out);
    expect(ds.shape).toEqual([3, 2, 2, 8]);
    expect(ds.ensembles).toBe(2);
    expect(ds.frequency).toBe(86400);
    expect(Array.from(await ds.readDate(1))).toEqual(Array.from({ length: 32 }, (_, i) => 32 + i));
    expect(Number.isNaN(ds.statistics.mean[0])).toBe(true);
    const sel = await openDataset(out, { select: ["v"] });
    expect(Array.from(await sel.readDate(2))).toEqual(Array.from({ length: 16 }, (_, i) => 64 + 16 + i));
  });
});
