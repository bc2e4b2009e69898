"use client";

import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import {
  DatasetMetaSchema,
  decodeField,
  FieldErrorSchema,
  ForecastMetaSchema,
  GridInfoSchema,
  mapGridFromInfo,
  PointSeriesSchema,
  toTextureOrder,
  type DatasetMeta,
  type FieldHeader,
  type ForecastMeta,
  type MapGrid,
  type PointSeries,
} from "@/lib/maps";

/** Client side of the field service: typed fetches, cached in TanStack Query. */

export type LoadedField = {
  header: FieldHeader;
  /** Values in the grid's native order (see {@link inTextureOrder}). */
  values: Float32Array;
  /** Transferred bytes (compressed, as far as the browser reports it) and decode time. */
  bytes: number;
  fetchMs: number;
};

/**
 * The query of one `/api/fields` request: a dataset field (`dataset`, `variable`, `date`) or a
 * forecast field (`forecast`, `init`, `lead`, `member`, `minus`, `minusForecast`, …); see docs/maps.md.
 */
export type FieldRequest = { variable: string; encoding?: "q16" | "f32" } & Record<string, string>;

async function failure(res: Response): Promise<Error> {
  const text = await res.text();
  try {
    return new Error(FieldErrorSchema.parse(JSON.parse(text)).error);
  } catch {
    return new Error(`${res.status} ${res.statusText}: ${text.slice(0, 200)}`);
  }
}

const sortedEntries = (r: Record<string, string>) => Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function fieldUrl(r: FieldRequest): string {
  const q = new URLSearchParams(sortedEntries({ ...r, encoding: r.encoding ?? "q16" }));
  return `/api/fields?${q}`;
}

async function fetchForecastMeta(forecast: string): Promise<ForecastMeta> {
  const res = await fetch(`/api/fields/meta?${new URLSearchParams({ forecast })}`);
  if (!res.ok) throw await failure(res);
  return ForecastMetaSchema.parse(await res.json());
}

export function useForecastMeta(forecast: string | null | undefined) {
  return useQuery({ queryKey: ["maps-forecast-meta", forecast], queryFn: () => fetchForecastMeta(forecast!), enabled: !!forecast, staleTime: 30_000, retry: false });
}

async function fetchSeries(q: Record<string, string>): Promise<PointSeries> {
  const res = await fetch(`/api/fields/series?${new URLSearchParams(sortedEntries(q))}`);
  if (!res.ok) throw await failure(res);
  return PointSeriesSchema.parse(await res.json());
}

/** The meteogram of `/api/fields/series`. */
export function usePointSeries(q: Record<string, string> | null) {
  return useQuery({ queryKey: ["maps-series", q ? sortedEntries(q) : null], queryFn: () => fetchSeries(q!), enabled: !!q, staleTime: 60_000, retry: false });
}

async function fetchMeta(dataset: string): Promise<DatasetMeta> {
  const res = await fetch(`/api/fields/meta?${new URLSearchParams({ dataset })}`);
  if (!res.ok) throw await failure(res);
  return DatasetMetaSchema.parse(await res.json());
}

async function fetchMapGrid(gridId: string): Promise<MapGrid> {
  const res = await fetch(`/api/grids/${encodeURIComponent(gridId)}`);
  if (!res.ok) throw await failure(res);
  const info = GridInfoSchema.parse(await res.json());
  if (info.mesh) {
    // Unstructured grids are drawn as their triangle mesh (the nearest-point raster is not needed).
    const r = await fetch(`/api/grids/${encodeURIComponent(gridId)}/mesh`);
    if (!r.ok) throw await failure(r);
    return mapGridFromInfo(info, undefined, await r.arrayBuffer());
  }
  let raster: Int32Array | undefined;
  if (info.raster) {
    const r = await fetch(`/api/grids/${encodeURIComponent(gridId)}/raster`);
    if (!r.ok) throw await failure(r);
    raster = new Int32Array(await r.arrayBuffer());
  }
  return mapGridFromInfo(info, raster);
}

async function fetchField(r: FieldRequest): Promise<LoadedField> {
  const t0 = performance.now();
  const url = fieldUrl(r);
  const res = await fetch(url);
  if (!res.ok) throw await failure(res);
  const buf = new Uint8Array(await res.arrayBuffer());
  const { header, values } = decodeField(buf);
  const entry = performance.getEntriesByName(new URL(url, location.href).href).at(-1) as PerformanceResourceTiming | undefined;
  return {
    header,
    values,
    bytes: entry?.encodedBodySize || buf.length,
    fetchMs: performance.now() - t0,
  };
}

const forever = { staleTime: Infinity, gcTime: 5 * 60_000, retry: false } as const;

export function useDatasetMeta(dataset: string | null) {
  return useQuery({ queryKey: ["maps-meta", dataset], queryFn: () => fetchMeta(dataset!), enabled: !!dataset, ...forever });
}

export function useMapGrid(gridId: string | null | undefined) {
  return useQuery({ queryKey: ["maps-grid", gridId], queryFn: () => fetchMapGrid(gridId!), enabled: !!gridId, ...forever, gcTime: Infinity });
}

const fieldKey = (r: FieldRequest) => ["maps-field", fieldUrl(r)];

/**
 * The field of a request. It does not wait for the grid: the request goes out as soon as the
 * dataset's metadata is known, in parallel with the grid and with deck.gl's start-up (which can
 * block the main thread for seconds under SwiftShader).
 */
export function useField(r: FieldRequest | null) {
  return useQuery({
    queryKey: r ? fieldKey(r) : ["maps-field", null],
    queryFn: () => fetchField(r!),
    enabled: !!r,
    ...forever,
  });
}

/** Values of a field in its map grid's texture order (cached per field and grid). */
const ordered = new WeakMap<Float32Array, { mg: MapGrid; values: Float32Array }>();
export function inTextureOrder(f: LoadedField, mg: MapGrid): Float32Array {
  if (f.header.gridId !== mg.gridId) throw new Error(`field is on grid ${f.header.gridId}, expected ${mg.gridId}`);
  const hit = ordered.get(f.values);
  if (hit && hit.mg === mg) return hit.values;
  const values = toTextureOrder(mg, f.values);
  ordered.set(f.values, { mg, values });
  return values;
}

/** A field already in the query cache (fetched or prefetched), without fetching it. */
export function cachedField(qc: QueryClient, r: FieldRequest): LoadedField | undefined {
  return qc.getQueryData<LoadedField>(fieldKey(r));
}

export function prefetchField(qc: QueryClient, r: FieldRequest): Promise<void> {
  return qc.prefetchQuery({ queryKey: fieldKey(r), queryFn: () => fetchField(r), ...forever });
}

export function usePrefetch() {
  const qc = useQueryClient();
  return useCallback((r: FieldRequest) => void prefetchField(qc, r), [qc]);
}
