import fs from "node:fs/promises";
import path from "node:path";
import { NetCDFReader } from "netcdfjs";
import { CfConfigSchema, CfError, CfGriddedSource, type CfAttrs, type CfConfig, type CfFile } from "./cf";
import type { SourceContext, SourceFactory } from "./registry";

/**
 * `netcdf` source: NetCDF classic / 64-bit offset files through netcdfjs, NetCDF4 (HDF5) through
 * h5wasm. CF coordinates and time, scale_factor/add_offset, _FillValue/missing_value; regridded
 * to the recipe's grid.
 *
 * netcdfjs reads a classic file from one in-memory buffer, so classic files are held in memory
 * whole (they are limited to 2-4 GiB by the format anyway); NetCDF4 files are read one hyperslab
 * (one date, one level) at a time.
 */

function toFloat64(values: unknown): Float64Array {
  if (values instanceof Float64Array) return values;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const a = values as unknown as ArrayLike<number | bigint>;
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
    return out;
  }
  if (Array.isArray(values)) {
    const flat = (values as unknown[]).flat(Infinity) as unknown[];
    return Float64Array.from(flat, (v) => Number(v));
  }
  if (typeof values === "number" || typeof values === "bigint") return Float64Array.of(Number(values));
  throw new CfError("unsupported NetCDF value type");
}

class ClassicFile implements CfFile {
  private readonly cache = new Map<string, Float64Array>();
  constructor(
    readonly description: string,
    private readonly reader: NetCDFReader,
  ) {}
  private variable(name: string) {
    const v = this.reader.variables.find((x) => x.name === name);
    if (!v) throw new CfError(`${this.description}: no variable '${name}'`);
    return v;
  }
  variableNames(): string[] {
    return this.reader.variables.map((v) => v.name);
  }
  dims(name: string): string[] {
    return this.variable(name).dimensions.map((id) => this.reader.dimensions[id].name);
  }
  shape(name: string): number[] {
    const rec = this.reader.recordDimension;
    return this.variable(name).dimensions.map((id) => (rec.id === id ? rec.length : this.reader.dimensions[id].size));
  }
  attrs(name: string): CfAttrs {
    const list = this.variable(name).attributes as unknown as { name: string; value: unknown }[];
    return Object.fromEntries(list.map((a) => [a.name, a.value]));
  }
  async readAll(name: string): Promise<Float64Array> {
    let v = this.cache.get(name);
    if (!v) {
      v = toFloat64(this.reader.getDataVariable(name));
      this.cache.set(name, v);
    }
    return v;
  }
  async readSlab(name: string, index: (number | null)[]): Promise<Float64Array> {
    const all = await this.readAll(name);
    return slabOf(all, this.shape(name), index);
  }
}

/** Extract a hyperslab (fixed indices / whole dimensions) from a C-order array. */
export function slabOf(all: Float64Array, shape: number[], index: (number | null)[]): Float64Array {
  const outShape = shape.filter((_, d) => index[d] === null);
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const free = shape.map((_, d) => d).filter((d) => index[d] === null);
  const base = index.reduce<number>((acc, ix, d) => acc + (ix === null ? 0 : ix * strides[d]), 0);
  const counter = new Array<number>(free.length).fill(0);
  for (let k = 0; k < n; k++) {
    let off = base;
    for (let f = 0; f < free.length; f++) off += counter[f] * strides[free[f]];
    out[k] = all[off];
    for (let f = free.length - 1; f >= 0; f--) {
      if (++counter[f] < shape[free[f]]) break;
      counter[f] = 0;
    }
  }
  return out;
}

type H5Module = typeof import("h5wasm/node");
type H5File = InstanceType<H5Module["File"]>;
type H5Dataset = InstanceType<H5Module["Dataset"]>;

const HDF5_INTERNAL_ATTRS = new Set(["DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Dimid", "_Netcdf4Coordinates", "CLASS", "NAME", "_nc3_strict"]);

class Hdf5File implements CfFile {
  private readonly datasets = new Map<string, H5Dataset>();
  private readonly dimCache = new Map<string, string[]>();
  constructor(
    readonly description: string,
    private readonly file: H5File,
    h5: H5Module,
  ) {
    for (const key of file.keys()) {
      const entity = file.get(key);
      if (!(entity instanceof h5.Dataset)) continue;
      const nameAttr = entity.attrs["NAME"]?.value;
      // dimensions without a coordinate variable are stored as placeholder datasets
      if (typeof nameAttr === "string" && nameAttr.startsWith("This is a netCDF dimension but not a netCDF variable")) continue;
      this.datasets.set(key, entity);
    }
  }
  private ds(name: string): H5Dataset {
    const d = this.datasets.get(name);
    if (!d) throw new CfError(`${this.description}: no variable '${name}'`);
    return d;
  }
  variableNames(): string[] {
    return [...this.datasets.keys()];
  }
  dims(name: string): string[] {
    const cached = this.dimCache.get(name);
    if (cached) return cached;
    const d = this.ds(name);
    const rank = d.shape?.length ?? 0;
    const dims: string[] = [];
    for (let i = 0; i < rank; i++) {
      let scales: string[] = [];
      try {
        scales = d.get_attached_scales(i);
      } catch {
        scales = [];
      }
      if (scales.length > 0) dims.push(scales[0].replace(/^\//, ""));
      else if (d.get_scale_name?.() && rank === 1) dims.push(name);
      else dims.push(`phony_dim_${i}`);
    }
    this.dimCache.set(name, dims);
    return dims;
  }
  shape(name: string): number[] {
    return this.ds(name).shape ?? [];
  }
  attrs(name: string): CfAttrs {
    const out: CfAttrs = {};
    for (const [k, a] of Object.entries(this.ds(name).attrs)) {
      if (HDF5_INTERNAL_ATTRS.has(k)) continue;
      try {
        out[k] = a.value;
      } catch {
        // attribute types h5wasm cannot decode (references) are not CF attributes we need
      }
    }
    return out;
  }
  async readAll(name: string): Promise<Float64Array> {
    return toFloat64(this.ds(name).value);
  }
  async readSlab(name: string, index: (number | null)[]): Promise<Float64Array> {
    const ranges = index.map((ix): [] | [number, number] => (ix === null ? [] : [ix, ix + 1]));
    return toFloat64(this.ds(name).slice(ranges));
  }
  close(): void {
    this.file.close();
  }
}

let h5Promise: Promise<H5Module> | null = null;
async function loadH5(): Promise<H5Module> {
  if (!h5Promise) {
    h5Promise = import("h5wasm/node").then(async (m) => {
      await m.ready;
      return m;
    });
  }
  return h5Promise;
}

/** Open a NetCDF file (classic or NetCDF4/HDF5, detected from its magic bytes) as a CfFile. */
export async function openNetcdf(file: string): Promise<CfFile> {
  let handle;
  try {
    handle = await fs.open(file, "r");
  } catch (e) {
    throw new CfError(`cannot open NetCDF file ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const magic = Buffer.alloc(8);
  try {
    await handle.read(magic, 0, 8, 0);
  } finally {
    await handle.close();
  }
  if (magic.subarray(0, 3).toString("latin1") === "CDF") {
    if (magic[3] !== 1 && magic[3] !== 2) throw new CfError(`${file}: NetCDF classic version ${magic[3]} (CDF-5) is not supported; convert it to NetCDF4`);
    const data = await fs.readFile(file);
    return new ClassicFile(file, new NetCDFReader(data));
  }
  if (magic[0] === 0x89 && magic.subarray(1, 4).toString("latin1") === "HDF") {
    const h5 = await loadH5();
    const f = new h5.File(path.resolve(file), "r");
    return new Hdf5File(file, f, h5);
  }
  throw new CfError(`${file} is not a NetCDF file (neither classic nor NetCDF4/HDF5)`);
}

export const netcdfSource: SourceFactory<CfConfig> = {
  configSchema: CfConfigSchema,
  create(config: CfConfig, context: SourceContext) {
    const file = path.resolve(context.baseDir, (config.path ?? config.url)!);
    return new CfGriddedSource(() => openNetcdf(file), config, `netcdf ${file}`);
  },
};
