import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseGrid } from "@/lib/grids";
import { createDataset } from "./create";
import { openDataset } from "./open";
import { loadRecipe } from "./recipe";
import { decodeCfTimes, parseCfTimeUnits, unpack } from "./sources/cf";
import { netcdfSource, slabOf } from "./sources/netcdf";
import { xarrayZarrSource } from "./sources/xarray-zarr";
import { runPython, tmpDir } from "./test-utils";

/** Expected field values, as the Python fixtures compute them. */
const t2m = (k: number, lat: number, lon: number) => 280 + lat / 10 + lon / 100 + k;
const zval = (k: number, lev: number, lat: number, lon: number) => 50000 + lev * 10 + lat + lon / 10 + k;

const WRITE_NETCDF = `
import sys, numpy as np, netCDF4
path, fmt = sys.argv[1], sys.argv[2]
ds = netCDF4.Dataset(path, "w", format=fmt)
ds.createDimension("time", None); ds.createDimension("level", 2); ds.createDimension("lat", 7); ds.createDimension("lon", 12)
kw = {"zlib": True} if fmt == "NETCDF4" else {}
t = ds.createVariable("time", "f8", ("time",)); t.units = "hours since 1959-01-01 00:00:00"; t.calendar = "proleptic_gregorian"
lev = ds.createVariable("level", "i4", ("level",)); lev.units = "hPa"; lev[:] = [500, 850]
la = ds.createVariable("lat", "f4", ("lat",)); la.units = "degrees_north"; la.standard_name = "latitude"; la[:] = np.arange(-90, 91, 30)
lo = ds.createVariable("lon", "f4", ("lon",)); lo.units = "degrees_east"; lo.standard_name = "longitude"; lo[:] = np.arange(0, 360, 30)
v = ds.createVariable("t2m", "f4", ("time", "lat", "lon"), fill_value=-9999.0, **kw); v.units = "K"; v.long_name = "2 metre temperature"
z = ds.createVariable("z", "i2", ("time", "level", "lat", "lon"), fill_value=-32767, **kw); z.units = "m**2 s**-2"
z.scale_factor = 0.5; z.add_offset = 50000.0
base = (np.datetime64("2020-01-01T00") - np.datetime64("1959-01-01T00")).astype("timedelta64[h]").astype(float)
t[:] = base + 6 * np.arange(4)
LAT, LON = np.meshgrid(np.arange(-90, 91, 30.0), np.arange(0, 360, 30.0), indexing="ij")
for k in range(4):
    f = 280 + LAT / 10 + LON / 100 + k
    if k == 2: f = np.ma.masked_where((LAT == 0) & (LON == 90), f)
    v[k] = f
    for li, L in enumerate([500, 850]):
        z[k, li] = 50000 + L * 10 + LAT + LON / 10 + k
ds.close()
`;

const WRITE_WB2 = `
import sys, zarr, numpy as np
g = zarr.open_group(sys.argv[1], mode="w")
lat = np.arange(-90, 91, 30.0); lon = np.arange(0, 360, 30.0)
base = int((np.datetime64("2020-01-01T00") - np.datetime64("1959-01-01T00")) / np.timedelta64(1, "h"))
t = g.create_dataset("time", data=np.array([base + 6 * k for k in range(4)], dtype="i8"))
t.attrs.update({"_ARRAY_DIMENSIONS": ["time"], "units": "hours since 1959-01-01", "calendar": "proleptic_gregorian"})
g.create_dataset("latitude", data=lat).attrs.update({"_ARRAY_DIMENSIONS": ["latitude"], "units": "degrees_north", "long_name": "latitude"})
g.create_dataset("longitude", data=lon).attrs.update({"_ARRAY_DIMENSIONS": ["longitude"], "units": "degrees_east", "long_name": "longitude"})
g.create_dataset("level", data=np.array([500, 850], dtype="i8")).attrs.update({"_ARRAY_DIMENSIONS": ["level"], "units": "millibar"})
LON, LAT = np.meshgrid(lon, lat, indexing="ij")
T = np.stack([280 + LAT / 10 + LON / 100 + k for k in range(4)]).astype("f4")
a = g.create_dataset("2m_temperature", data=T, chunks=(1, 12, 7))
a.attrs.update({"_ARRAY_DIMENSIONS": ["time", "longitude", "latitude"], "units": "K", "long_name": "2 metre temperature"})
Z = np.stack([np.stack([50000 + L * 10 + LAT + LON / 10 + k for L in [500, 850]]) for k in range(4)]).astype("f4")
b = g.create_dataset("geopotential", data=Z, chunks=(1, 2, 12, 7))
b.attrs.update({"_ARRAY_DIMENSIONS": ["time", "level", "longitude", "latitude"], "units": "m**2 s**-2"})
zarr.consolidate_metadata(sys.argv[1])
`;

describe("CF helpers", () => {
  it("decodes CF time units", () => {
    expect(parseCfTimeUnits("hours since 1959-01-01")).toEqual({ scale: 3600, epoch: Date.UTC(1959, 0, 1) / 1000 });
    expect(parseCfTimeUnits("seconds since 1970-01-01T00:00:00Z").epoch).toBe(0);
    expect(parseCfTimeUnits("days since 2000-01-01 12:00:00", "gregorian")).toEqual({ scale: 86400, epoch: Date.UTC(2000, 0, 1, 12) / 1000 });
    expect(decodeCfTimes(Float64Array.of(0, 6), { units: "hours since 2020-01-01" })).toEqual([Date.UTC(2020, 0, 1) / 1000, Date.UTC(2020, 0, 1, 6) / 1000]);
    expect(() => parseCfTimeUnits("hours since 2000-01-01", "noleap")).toThrow("unsupported calendar 'noleap' (only standard, gregorian and proleptic_gregorian)");
    expect(() => parseCfTimeUnits("fortnights since 2000-01-01")).toThrow("unknown time unit 'fortnights'");
    expect(() => parseCfTimeUnits("since when")).toThrow("cannot parse time units 'since when'");
  });
  it("unpacks scale_factor/add_offset and masks _FillValue/missing_value", () => {
    const v = unpack(Float64Array.of(0, 2, -32767, 7, NaN), { scale_factor: 0.5, add_offset: 10, _FillValue: -32767, missing_value: 7 });
    expect(Array.from(v)).toEqual([10, 11, NaN, NaN, NaN]);
  });
  it("extracts hyperslabs", () => {
    const all = Float64Array.from({ length: 24 }, (_, i) => i);
    expect(Array.from(slabOf(all, [2, 3, 4], [1, null, 2]))).toEqual([14, 18, 22]);
    expect(Array.from(slabOf(all, [2, 3, 4], [0, 1, null]))).toEqual([4, 5, 6, 7]);
  });
});

describe("netcdf source", () => {
  for (const format of ["NETCDF3_CLASSIC", "NETCDF4"]) {
    it(`reads ${format}: CF time, packing, fill values, levels, renaming, regridding`, async () => {
      const dir = tmpDir();
      const file = path.join(dir, "f.nc");
      runPython(WRITE_NETCDF, [file, format]);
      const target = parseGrid("30"); // north→south: a different point order than the file's south→north rows
      const source = await netcdfSource.create(netcdfSource.configSchema.parse({ path: "f.nc", level: [850] }), { baseDir: dir });
      const opened = await source.open(target);
      expect(opened.variables.map((v) => v.name)).toEqual(["2t", "z_850"]);
      expect(opened.variables[0]).toMatchObject({ units: "K", longName: "2 metre temperature" });
      expect(opened.variables[1].metadata).toEqual({ mars: { param: "z", levelist: 850, levtype: "pl" } });
      const fields = await opened.fieldsAt(new Date(Date.UTC(2020, 0, 1, 12)));
      const tt = fields.get("2t")!;
      const zz = fields.get("z_850")!;
      for (let p = 0; p < target.size; p++) {
        const lat = target.latitudes[p];
        const lon = target.longitudes[p];
        if (lat === 0 && lon === 90) expect(Number.isNaN(tt[p])).toBe(true);
        else expect(tt[p]).toBeCloseTo(t2m(2, lat, lon), 3);
        expect(zz[p]).toBeCloseTo(zval(2, 850, lat, lon), 0);
      }
      await expect(opened.fieldsAt(new Date(Date.UTC(2020, 0, 2)))).rejects.toThrow(
        "has no data for 2020-01-02T00:00:00 (it covers 2020-01-01T00:00:00 to 2020-01-01T18:00:00, 4 times)",
      );
      await opened.close?.();
    });
  }

  it("builds a dataset from a NetCDF classic and a NetCDF4 file, interpolating onto another grid", async () => {
    const dir = tmpDir();
    runPython(WRITE_NETCDF, [path.join(dir, "classic.nc"), "NETCDF3_CLASSIC"]);
    runPython(WRITE_NETCDF, [path.join(dir, "nc4.nc"), "NETCDF4"]);
    const yaml = `
dates: {start: 2020-01-01T00:00:00, end: 2020-01-01T18:00:00, frequency: 6h}
input:
  join:
    - netcdf: {path: classic.nc, param: [t2m]}
    - netcdf: {path: nc4.nc, param: [z], level: 500}
output: {grid: O12}
build: {allow_nans: [2t]}
`;
    const recipe = await loadRecipe(yaml, { baseDir: dir });
    const out = path.join(dir, "nc.zarr");
    await createDataset(recipe, out);
    const ds = await openDataset(out);
    expect(ds.variables).toEqual(["2t", "z_500"]);
    expect(ds.grid.id).toBe("O12");
    expect(ds.attrs.allow_nans).toEqual(["2t"]);
    // the one masked point is skipped by the NaN-aware interpolation, so no NaN reaches O12
    expect(ds.attrs.variables_with_nans).toEqual([]);
    const v = await ds.readDate(1);
    // linear in lat and lon separately: bilinear interpolation of these fields is exact away from the poles
    const g = ds.grid;
    for (let p = 0; p < g.size; p += 37) {
      if (Math.abs(g.latitudes[p]) > 60 || g.longitudes[p] > 330) continue;
      expect(v[p]).toBeCloseTo(t2m(1, g.latitudes[p], g.longitudes[p]), 3);
      expect(v[g.size + p]).toBeCloseTo(zval(1, 500, g.latitudes[p], g.longitudes[p]), 1);
    }
  });

  it("fails clearly on a non-NetCDF file, a missing file, and a missing variable", async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "junk.nc"), "not a netcdf file");
    const open = async (cfg: object) => (await netcdfSource.create(netcdfSource.configSchema.parse(cfg), { baseDir: dir })).open(parseGrid("30"));
    await expect(open({ path: "junk.nc" })).rejects.toThrow(`${path.join(dir, "junk.nc")} is not a NetCDF file (neither classic nor NetCDF4/HDF5)`);
    await expect(open({ path: "nope.nc" })).rejects.toThrow(`cannot open NetCDF file ${path.join(dir, "nope.nc")}: no such file`);
    runPython(WRITE_NETCDF, [path.join(dir, "f.nc"), "NETCDF4"]);
    await expect(open({ path: "f.nc", param: ["sst"] })).rejects.toThrow("no gridded variable 'sst' (has t2m, z)");
    await expect(open({ path: "f.nc", level: [700] })).rejects.toThrow("no level 700 (has 500, 850)");
  });
});

describe("xarray-zarr source (WeatherBench 2 layout)", () => {
  it("reads (time, longitude, latitude[, level]) arrays with CF time, selecting levels into anemoi names", async () => {
    const dir = tmpDir();
    const store = path.join(dir, "wb2.zarr");
    runPython(WRITE_WB2, [store]);
    const src = await xarrayZarrSource.create(xarrayZarrSource.configSchema.parse({ url: "wb2.zarr", level: [500, 850] }), { baseDir: dir });
    const target = parseGrid("30");
    const opened = await src.open(target);
    expect(opened.variables.map((v) => v.name)).toEqual(["2t", "z_500", "z_850"]);
    const f = await opened.fieldsAt(new Date(Date.UTC(2020, 0, 1, 18)));
    for (let p = 0; p < target.size; p++) {
      const lat = target.latitudes[p];
      const lon = target.longitudes[p];
      expect(f.get("2t")![p]).toBeCloseTo(t2m(3, lat, lon), 3);
      expect(f.get("z_500")![p]).toBeCloseTo(zval(3, 500, lat, lon), 1);
      expect(f.get("z_850")![p]).toBeCloseTo(zval(3, 850, lat, lon), 1);
    }
  });

  it("builds a dataset with param and level selection and a rename", async () => {
    const dir = tmpDir();
    runPython(WRITE_WB2, [path.join(dir, "wb2.zarr")]);
    const yaml = `
dates: {start: 2020-01-01T06:00:00, end: 2020-01-01T18:00:00, frequency: 6h}
input:
  xarray-zarr: {url: wb2.zarr, param: [geopotential, 2m_temperature], level: [500], rename: {2m_temperature: t2}}
output: {grid: "30"}
`;
    const out = path.join(dir, "x.zarr");
    await createDataset(await loadRecipe(yaml, { baseDir: dir }), out);
    const ds = await openDataset(out);
    expect(ds.variables).toEqual(["t2", "z_500"]);
    const v = await ds.readDate(0);
    expect(v[0]).toBeCloseTo(t2m(1, 90, 0), 3);
    expect(ds.variablesMetadata.z_500).toMatchObject({ mars: { param: "z", levelist: 500, levtype: "pl" }, units: "m**2 s**-2" });
  });
});
