"use client";

import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { DatasetMetaSchema, decodeField, FieldErrorSchema, GridInfoSchema, mapGridFromInfo, toTextureOrder, type DatasetMeta, type FieldHeader, type MapGrid } from "@/lib/maps";

/** Client side of the field service: typed fetches, cached in TanStack Query. */

export type LoadedField = {
  header: FieldHeader;
  /** Values in the grid's native order (see {@link inTextureOrder}). */
  values: Float32Array;
  /** Transferred bytes (compressed, as far as the browser reports it) and decode time. */
  bytes: number;
  fetchMs: number;
};

export type FieldRequest = { dataset: string; variable: string; date: string; encoding?: "q16" | "f32" };

async function failure(res: Response): Promise<Error> {
  const text = await res.text();
  try {
    return new Error(FieldErrorSchema.parse(JSON.parse(text)).error);
  } catch {
    return new Error(`${res.status} ${res.statusText}: ${text.slice(0, 200)}`);
  }
}

export function fieldUrl(r: FieldRequest): string {
  const q = new URLSearchParams({ dataset: r.dataset, variable: r.variable, date: r.date, encoding: r.encoding ?? "q16" });
  return `/api/fields?${q}`;
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

const fieldKey = (r: FieldRequest) => ["maps-field", r.dataset, r.variable, r.date, r.encoding ?? "q16"];

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

export function prefetchField(qc: QueryClient, r: FieldRequest): Promise<void> {
  return qc.prefetchQuery({ queryKey: fieldKey(r), queryFn: () => fetchField(r), ...forever });
}

export function usePrefetch() {
  const qc = useQueryClient();
  return useCallback((r: FieldRequest) => void prefetchField(qc, r), [qc]);
}
