import fs from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import type { AbsolutePath, AsyncMutable, GetOptions, RangeQuery } from "@zarrita/storage";

/**
 * Zarr v2 on the local filesystem, the way anemoi-datasets stores look: `.zgroup`/`.zarray`/
 * `.zattrs` JSON written by us, chunks encoded and decoded by zarrita (Blosc via numcodecs).
 *
 * zarrita does not know numpy's datetime dtypes (`<M8[s]`); {@link Int64DatesStore} presents
 * such arrays as `<i8` so they can be read as int64 seconds.
 */

/** v2 compressors we write. Reading accepts anything zarrita's registry knows (Blosc lz4/zstd/…, zlib, gzip, none). */
export type Compression = "blosc-lz4" | "blosc-zstd" | "zlib" | "none";
export const COMPRESSIONS: readonly Compression[] = ["blosc-lz4", "blosc-zstd", "zlib", "none"];

export type V2Compressor =
  | { id: "blosc"; cname: string; clevel: number; shuffle: number; blocksize: number }
  | { id: "zlib"; level: number }
  | null;

export function compressorFor(c: Compression): V2Compressor {
  switch (c) {
    case "blosc-lz4": // zarr-python 2's default, which anemoi's gridded `data` ends up with
      return { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 };
    case "blosc-zstd":
      return { id: "blosc", cname: "zstd", clevel: 3, shuffle: 1, blocksize: 0 };
    case "zlib":
      return { id: "zlib", level: 5 };
    case "none":
      return null;
  }
}

/** numpy dtype strings used in anemoi stores. */
export type V2Dtype = "<f4" | "<f8" | "<i8" | "<i4" | "|b1" | "<M8[s]";

export type V2ArrayMeta = {
  shape: number[];
  chunks: number[];
  dtype: V2Dtype;
  fillValue: number | boolean | "NaN" | null;
  compressor: V2Compressor;
  dimensions: string[];
  attrs?: Record<string, unknown>;
};

export function jsonText(value: unknown): string {
  // NaN/Infinity are not JSON; zarr-python writes them as strings in .zarray and we never put them in attrs.
  return JSON.stringify(value, null, 2) + "\n";
}

/** Write a file atomically (temp file + rename), so a crash never leaves half a JSON document. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

export async function readJsonFile<T = unknown>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function writeGroup(root: string, group: string, attrs?: Record<string, unknown>): Promise<void> {
  const dir = path.join(root, group);
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, ".zgroup"), jsonText({ zarr_format: 2 }));
  if (attrs) await writeFileAtomic(path.join(dir, ".zattrs"), jsonText(attrs));
}

export async function writeRootAttributes(root: string, attrs: Record<string, unknown>): Promise<void> {
  await writeFileAtomic(path.join(root, ".zattrs"), jsonText(attrs));
}

export async function readRootAttributes(root: string): Promise<Record<string, unknown>> {
  return (await readJsonFile<Record<string, unknown>>(path.join(root, ".zattrs"))) ?? {};
}

/** Create (or replace) a v2 array's metadata. Existing chunk files are left alone. */
export async function writeArrayMeta(root: string, name: string, meta: V2ArrayMeta): Promise<void> {
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  const zarray = {
    chunks: meta.chunks,
    compressor: meta.compressor,
    dtype: meta.dtype,
    fill_value: meta.fillValue,
    filters: null,
    order: "C",
    shape: meta.shape,
    zarr_format: 2,
  };
  await writeFileAtomic(path.join(dir, ".zarray"), jsonText(zarray));
  await writeFileAtomic(path.join(dir, ".zattrs"), jsonText({ ...(meta.attrs ?? {}), _ARRAY_DIMENSIONS: meta.dimensions }));
}

const DATETIME_DTYPE = /^[<>|]?[Mm]8\[(\w+)\]$/;

/**
 * A filesystem store that rewrites `.zarray` documents of numpy datetime64/timedelta64 arrays
 * to `<i8`, so zarrita opens them as int64 (the on-disk bytes are identical). Readers get the
 * unit from {@link datetimeUnit}.
 */
export class Int64DatesStore implements AsyncMutable {
  readonly inner: FileSystemStore;
  constructor(readonly root: string) {
    this.inner = new FileSystemStore(root);
  }
  async get(key: AbsolutePath, opts?: GetOptions): Promise<Uint8Array | undefined> {
    const bytes = await this.inner.get(key, opts);
    if (!bytes || !key.endsWith("/.zarray")) return bytes;
    const text = new TextDecoder().decode(bytes);
    if (!text.includes("8[")) return bytes;
    const meta = JSON.parse(text) as { dtype?: unknown; fill_value?: unknown };
    const m = typeof meta.dtype === "string" ? DATETIME_DTYPE.exec(meta.dtype) : null;
    if (!m) return bytes;
    const endian = meta.dtype && typeof meta.dtype === "string" && meta.dtype.startsWith(">") ? ">" : "<";
    const patched = { ...meta, dtype: `${endian}i8`, fill_value: typeof meta.fill_value === "number" ? meta.fill_value : null };
    return new TextEncoder().encode(JSON.stringify(patched));
  }
  getRange(key: AbsolutePath, range: RangeQuery, opts?: GetOptions): Promise<Uint8Array | undefined> {
    return this.inner.getRange(key, range, opts);
  }
  has(key: AbsolutePath): Promise<boolean> {
    return this.inner.has(key);
  }
  set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    return this.inner.set(key, value);
  }
  delete(key: AbsolutePath): Promise<boolean> {
    return this.inner.delete(key);
  }
}

export type StoreArray = zarr.Array<zarr.DataType, Int64DatesStore>;

/** zlib (numcodecs `zlib`) with encoding: zarrita 0.7 only decodes zlib. Uses node:zlib both ways. */
class NodeZlibCodec {
  readonly kind = "bytes_to_bytes";
  constructor(private readonly level: number) {}
  static fromConfig(config: { level?: number }): NodeZlibCodec {
    return new NodeZlibCodec(config?.level ?? 1);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(zlib.deflateSync(bytes, { level: this.level }));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(zlib.inflateSync(bytes));
  }
}

for (const id of ["numcodecs.zlib", "zlib"]) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- zarrita's registry takes codec constructors of its internal type
  zarr.registry.set(id, () => NodeZlibCodec as any);
}

export function openStore(root: string): Int64DatesStore {
  return new Int64DatesStore(root);
}

export async function openArray(store: Int64DatesStore, name: string): Promise<StoreArray> {
  return zarr.open.v2(zarr.root(store).resolve(name), { kind: "array" });
}

export async function hasArray(root: string, name: string): Promise<boolean> {
  try {
    await fs.access(path.join(root, name, ".zarray"));
    return true;
  } catch {
    return false;
  }
}

/** Seconds multiplier for a numpy datetime unit. */
export function datetimeUnitSeconds(unit: string): number {
  switch (unit) {
    case "s":
      return 1;
    case "ms":
      return 1e-3;
    case "us":
      return 1e-6;
    case "ns":
      return 1e-9;
    case "m":
      return 60;
    case "h":
      return 3600;
    case "D":
      return 86400;
    default:
      throw new Error(`unsupported datetime64 unit '${unit}'`);
  }
}

/** The numpy datetime unit of an array as stored on disk (`<M8[s]` → "s"), or null when not a datetime. */
export async function datetimeUnit(root: string, name: string): Promise<string | null> {
  const meta = await readJsonFile<{ dtype?: string }>(path.join(root, name, ".zarray"));
  const m = meta?.dtype ? DATETIME_DTYPE.exec(meta.dtype) : null;
  return m ? m[1] : null;
}

/** Read a whole (small) array as numbers (int64 → Number, bool → 0/1). */
export async function readWholeArray(store: Int64DatesStore, name: string): Promise<{ values: Float64Array; shape: number[]; dtype: string }> {
  const arr = await openArray(store, name);
  const chunk = await zarr.get(arr, null);
  const data = chunk.data as unknown;
  const n = chunk.shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(data[i]);
  } else if (data instanceof zarr.BoolArray) {
    for (let i = 0; i < n; i++) out[i] = data.get(i) ? 1 : 0;
  } else if (ArrayBuffer.isView(data)) {
    const typed = data as unknown as ArrayLike<number>;
    for (let i = 0; i < n; i++) out[i] = Number(typed[i]);
  } else {
    throw new Error(`array '${name}' has an unsupported dtype ${arr.dtype}`);
  }
  return { values: out, shape: chunk.shape, dtype: arr.dtype };
}

type TypedFor = Float32Array | Float64Array | BigInt64Array | Int32Array | zarr.BoolArray;

/** Write a whole small array (single chunk, or any chunking) through zarrita's codec pipeline. */
export async function writeWholeArray(root: string, name: string, meta: V2ArrayMeta, data: TypedFor): Promise<void> {
  await writeArrayMeta(root, name, meta);
  const store = openStore(root);
  const arr = await openArray(store, name);
  const shape = meta.shape;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- zarrita's set() is generic over the dtype we just wrote
  await zarr.set(arr as any, shape.map(() => null), { data, shape, stride: stridesOf(shape) } as any);
}

export function stridesOf(shape: number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = s;
    s *= shape[i];
  }
  return stride;
}

/** Recursively sum the sizes of the files under a directory. */
export async function directorySize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await directorySize(p);
      bytes += sub.bytes;
      files += sub.files;
    } else if (e.isFile()) {
      bytes += (await fs.stat(p)).size;
      files += 1;
    }
  }
  return { bytes, files };
}
