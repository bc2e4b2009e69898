"use client";

import { useQuery } from "@tanstack/react-query";
import { decodeGraphView, type GraphView } from "@/lib/graphs/view";
import { FieldErrorSchema } from "@/lib/maps";

/** Client side of the graph service (`GET /api/graphs/<checkpoint id>`, server/http/graphs.ts). */

export type GraphEdgesChoice = "processor" | "encoder" | "decoder" | "none";

async function fetchGraphView(checkpoint: string, edges: GraphEdgesChoice): Promise<GraphView> {
  const res = await fetch(`/api/graphs/${encodeURIComponent(checkpoint)}?${new URLSearchParams({ edges })}`);
  if (!res.ok) {
    const text = await res.text();
    let msg = `${res.status} ${res.statusText}: ${text.slice(0, 200)}`;
    try {
      msg = FieldErrorSchema.parse(JSON.parse(text)).error;
    } catch {
      // not the service's JSON error: keep the status line
    }
    throw new Error(`graph of checkpoint ${checkpoint}: ${msg}`);
  }
  return decodeGraphView(new Uint8Array(await res.arrayBuffer()));
}

export function useGraphView(checkpoint: string | null | undefined, edges: GraphEdgesChoice) {
  return useQuery({ queryKey: ["maps-graph", checkpoint, edges], queryFn: () => fetchGraphView(checkpoint!, edges), enabled: !!checkpoint, staleTime: 60_000, retry: false });
}
