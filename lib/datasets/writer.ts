import * as zarr from "zarrita";
import type { Grid } from "@/lib/grids";
import type { FullStatistics } from "./statistics";
import {
  compressorFor,
  openArray,
  openStore,
  stridesOf,
  writeArrayMeta,
  writeGroup,
  writeRootAttributes,
  writeWholeArray,
  type Compression,
  type StoreArray,
} from "./zarr-store";

/**
 * Low-level writer of the anemoi gridded layout: the arrays' metadata and coordinates up front,
 * then one `data` chunk per date (shape (1, variables, 1, points), so an ensemble of one), then
 * the statistics arrays and the final attributes.
 */
export class DatasetWriter {
  private constructor(
    readonly root: string,
    private readonly data: StoreArray,
    readonly nvars: number,
    readonly ensembles: number,
    readonly points: number,
  ) {}

  /** Create the group, `data`, `dates`, `latitudes` and `longitudes` (overwriting their metadata). */
  static async create(
    root: string,
    a: { dates: readonly number[]; nvars: number; ensembles?: number; grid: Grid; compression: Compression; attrs: Record<string, unknown> },
  ): Promise<DatasetWriter> {
    const compressor = compressorFor(a.compression);
    const ensembles = a.ensembles ?? 1;
    const n = a.dates.length;
    const g = a.grid.size;
    await writeGroup(root, "", a.attrs);
    await writeArrayMeta(root, "data", {
      shape: [n, a.nvars, ensembles, g],
      chunks: [1, a.nvars, 1, g],
      dtype: "<f4",
      fillValue: "NaN",
      compressor,
      dimensions: ["time", "variable", "ensemble", "cell"],
    });
    const chunk = (len: number) => [Math.max(1, len)];
    await writeWholeArray(
      root,
      "dates",
      { shape: [n], chunks: chunk(n), dtype: "<M8[s]", fillValue: 0, compressor, dimensions: ["time"] },
      BigInt64Array.from(a.dates, (d) => BigInt(d)),
    );
    await writeWholeArray(root, "latitudes", { shape: [g], chunks: chunk(g), dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["cell"] }, a.grid.latitudes);
    await writeWholeArray(root, "longitudes", { shape: [g], chunks: chunk(g), dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["cell"] }, a.grid.longitudes);
    return DatasetWriter.open(root);
  }

  /** Open an existing store for writing more dates (resuming). */
  static async open(root: string): Promise<DatasetWriter> {
    const data = await openArray(openStore(root), "data");
    const [, nv, ne, np] = data.shape;
    return new DatasetWriter(root, data, nv, ne, np);
  }

  /** Write date `i`: values laid out (variables, ensembles, points). */
  async writeDate(i: number, values: Float32Array): Promise<void> {
    const shape = [1, this.nvars, this.ensembles, this.points];
    if (values.length !== this.nvars * this.ensembles * this.points) {
      throw new Error(`date ${i}: ${values.length} values, expected ${this.nvars}×${this.ensembles}×${this.points}`);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the data array is float32 by construction
    await zarr.set(this.data as any, [zarr.slice(i, i + 1), null, null, null], { data: values, shape, stride: stridesOf(shape) } as any);
  }

  /** Write the statistics arrays (float64 except count int64 and has_nans bool, as anemoi 0.5.x). */
  async writeStatistics(stats: FullStatistics, compression: Compression): Promise<void> {
    const compressor = compressorFor(compression);
    const nv = stats.mean.length;
    const meta = (dtype: "<f8" | "<i8" | "|b1") => ({
      shape: [nv],
      chunks: [Math.max(1, nv)],
      dtype,
      fillValue: dtype === "<f8" ? ("NaN" as const) : dtype === "|b1" ? false : 0,
      compressor,
      dimensions: ["variable"],
    });
    for (const key of ["mean", "stdev", "minimum", "maximum", "sums", "squares"] as const) {
      await writeWholeArray(this.root, key, meta("<f8"), stats[key]);
    }
    await writeWholeArray(this.root, "count", meta("<i8"), BigInt64Array.from(stats.count, (c) => BigInt(c)));
    await writeWholeArray(this.root, "has_nans", meta("|b1"), new zarr.BoolArray(Array.from(stats.hasNans, (b) => b === 1)));
  }

  async writeAttributes(attrs: Record<string, unknown>): Promise<void> {
    await writeRootAttributes(this.root, attrs);
  }
}
