import fs from "node:fs/promises";
import path from "node:path";
import * as zarr from "zarrita";
import { CfConfigSchema, CfError, CfGriddedSource, type CfAttrs, type CfConfig, type CfFile } from "./cf";
import type { SourceContext, SourceFactory } from "./registry";
import { openArray, openStore, readJsonFile, readWholeArray, type Int64DatesStore, type StoreArray } from "../zarr-store";

/**
 * `xarray-zarr` source: WeatherBench-2-style zarr v2 stores written by xarray, one array per
 * variable with `_ARRAY_DIMENSIONS` (e.g. `time, longitude, latitude[, level]` or
 * `time, level, latitude, longitude`), CF time encoding (`hours since 1959-01-01`). Variables are
 * renamed to anemoi names with levels selected into `<name>_<level>` (see CF_NAME_MAP in cf.ts).
 */

type ArrayInfo = { dims: string[]; shape: number[]; attrs: CfAttrs };

class XarrayZarrFile implements CfFile {
  private readonly arrays = new Map<string, Promise<StoreArray>>();
  constructor(
    readonly description: string,
    private readonly store: Int64DatesStore,
    private readonly info: Map<string, ArrayInfo>,
  ) {}
  private meta(name: string): ArrayInfo {
    const i = this.info.get(name);
    if (!i) throw new CfError(`${this.description}: no variable '${name}'`);
    return i;
  }
  private array(name: string): Promise<StoreArray> {
    let a = this.arrays.get(name);
    if (!a) {
      a = openArray(this.store, name);
      this.arrays.set(name, a);
    }
    return a;
  }
  variableNames(): string[] {
    return [...this.info.keys()];
  }
  dims(name: string): string[] {
    return this.meta(name).dims;
  }
  shape(name: string): number[] {
    return this.meta(name).shape;
  }
  attrs(name: string): CfAttrs {
    return this.meta(name).attrs;
  }
  async readAll(name: string): Promise<Float64Array> {
    return (await readWholeArray(this.store, name)).values;
  }
  async readSlab(name: string, index: (number | null)[]): Promise<Float64Array> {
    const arr = await this.array(name);
    const chunk = await zarr.get(arr, index);
    const data = chunk.data as unknown;
    if (data instanceof Float64Array) return data;
    if (ArrayBuffer.isView(data)) {
      const a = data as unknown as ArrayLike<number | bigint>;
      return Float64Array.from({ length: a.length }, (_, i) => Number(a[i]));
    }
    throw new CfError(`${this.description}: variable '${name}' has an unsupported dtype ${arr.dtype}`);
  }
}

/** Open an xarray-written zarr v2 store (consolidated or not) as a CfFile. */
export async function openXarrayZarr(root: string): Promise<CfFile> {
  const resolved = path.resolve(root);
  try {
    await fs.access(path.join(resolved, ".zgroup"));
  } catch {
    throw new CfError(`${root} is not a zarr v2 group (no .zgroup)`);
  }
  const info = new Map<string, ArrayInfo>();
  const consolidated = await readJsonFile<{ metadata?: Record<string, unknown> }>(path.join(resolved, ".zmetadata"));
  const entries = await fs.readdir(resolved, { withFileTypes: true });
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const zarray =
      (consolidated?.metadata?.[`${e.name}/.zarray`] as { shape: number[] } | undefined) ??
      (await readJsonFile<{ shape: number[] }>(path.join(resolved, e.name, ".zarray")));
    if (!zarray) continue;
    const attrs =
      (consolidated?.metadata?.[`${e.name}/.zattrs`] as CfAttrs | undefined) ?? (await readJsonFile<CfAttrs>(path.join(resolved, e.name, ".zattrs"))) ?? {};
    const dims = attrs._ARRAY_DIMENSIONS;
    if (!Array.isArray(dims) || dims.length !== zarray.shape.length) continue;
    info.set(e.name, { dims: dims as string[], shape: zarray.shape, attrs });
  }
  return new XarrayZarrFile(root, openStore(resolved), info);
}

export const xarrayZarrSource: SourceFactory<CfConfig> = {
  configSchema: CfConfigSchema,
  create(config: CfConfig, context: SourceContext) {
    const root = path.resolve(context.baseDir, (config.path ?? config.url)!);
    return new CfGriddedSource(() => openXarrayZarr(root), config, `xarray-zarr ${root}`);
  },
};
