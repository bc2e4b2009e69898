import { regularGlobal } from "@/lib/grids";
import { buildGraph, type EncProcDecGraph } from "@/lib/graphs";
import type { ModelGeometry } from "./model";

/** The small model geometry of the model tests: a 30° grid (7 × 12 = 84 points) and its graphs on a level-1 icosahedron. */
export function tinyModelGeometry(): ModelGeometry & { graph: EncProcDecGraph } {
  const grid = regularGlobal(30, 30);
  const graph = buildGraph(grid, {
    hidden: { type: "icosahedral", resolution: 1 },
    encoder: { method: "cutoff", cutoff_factor: 0.7, max_num_neighbours: 16 },
    decoder: { method: "knn", num_nearest_neighbours: 3 },
    processor: { method: "multiscale", x_hops: 1 },
  });
  return { latitudes: grid.latitudes, longitudes: grid.longitudes, graph };
}
