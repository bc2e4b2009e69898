import { KdTree3 } from "@/lib/grids";
import { triangleEdges, type RefinedIcosahedron } from "./icosahedron";
import type { NodeSet } from "./nodes";

/** Edge attribute columns, in order. */
export const EDGE_ATTRIBUTES = ["length", "dir_east", "dir_north"] as const;
export const NUM_EDGE_ATTRIBUTES = EDGE_ATTRIBUTES.length;

/** Directed edges source → target, sorted by target then source, with attributes. */
export interface EdgeSet {
  readonly name: string;
  readonly source: string;
  readonly target: string;
  readonly size: number;
  /** Source node index per edge. */
  readonly src: Int32Array;
  /** Target node index per edge (non-decreasing). */
  readonly dst: Int32Array;
  /**
   * size × 3 row-major: great-circle length / the longest edge of the set; the chord from the
   * target to the source in the target's local east/north tangent frame / the longest chord.
   */
  readonly attributes: Float32Array;
}

/** Raw (src, dst) pairs before sorting and attributes. */
export interface EdgeList {
  src: number[];
  dst: number[];
}

function angle(a: Float64Array, i: number, b: Float64Array, j: number): number {
  const ax = a[3 * i], ay = a[3 * i + 1], az = a[3 * i + 2];
  const bx = b[3 * j], by = b[3 * j + 1], bz = b[3 * j + 2];
  const cx = ay * bz - az * by, cy = az * bx - ax * bz, cz = ax * by - ay * bx;
  return Math.atan2(Math.hypot(cx, cy, cz), ax * bx + ay * by + az * bz);
}

/** For each target node, its k nearest source nodes (anemoi `KNNEdges`). `excludeSelf` for same-set edges. */
export function knnEdges(source: NodeSet, target: NodeSet, k: number, excludeSelf = false): EdgeList {
  const tree = new KdTree3(source.xyz);
  const kk = Math.min(k + (excludeSelf ? 1 : 0), source.size);
  const idx = new Int32Array(kk);
  const d2 = new Float64Array(kk);
  const out: EdgeList = { src: [], dst: [] };
  const t = target.xyz;
  for (let j = 0; j < target.size; j++) {
    const m = tree.kNearest(t[3 * j], t[3 * j + 1], t[3 * j + 2], kk, idx, d2);
    let taken = 0;
    for (let q = 0; q < m && taken < k; q++) {
      if (excludeSelf && idx[q] === j) continue;
      out.src.push(idx[q]);
      out.dst.push(j);
      taken++;
    }
  }
  return out;
}

/** Largest great-circle distance (radians) from a node of the set to its nearest other node. */
export function maxNearestNeighbourDistance(nodes: NodeSet): number {
  const tree = new KdTree3(nodes.xyz);
  const idx = new Int32Array(2);
  const d2 = new Float64Array(2);
  let worst = 0;
  const x = nodes.xyz;
  for (let j = 0; j < nodes.size; j++) {
    const m = tree.kNearest(x[3 * j], x[3 * j + 1], x[3 * j + 2], 2, idx, d2);
    if (m < 2) continue;
    const other = idx[0] === j ? idx[1] : idx[0];
    worst = Math.max(worst, angle(x, j, x, other));
  }
  return worst;
}

/**
 * For each target node, the source nodes within `cutoffFactor` × (the target set's largest
 * nearest-neighbour distance), at most `maxNeighbours` of them, nearest first (anemoi `CutOffEdges`).
 */
export function cutoffEdges(source: NodeSet, target: NodeSet, cutoffFactor: number, maxNeighbours: number): EdgeList {
  const radius = cutoffFactor * maxNearestNeighbourDistance(target);
  const tree = new KdTree3(source.xyz);
  const kk = Math.min(maxNeighbours, source.size);
  const idx = new Int32Array(kk);
  const d2 = new Float64Array(kk);
  const out: EdgeList = { src: [], dst: [] };
  const t = target.xyz;
  for (let j = 0; j < target.size; j++) {
    const m = tree.kNearest(t[3 * j], t[3 * j + 1], t[3 * j + 2], kk, idx, d2);
    for (let q = 0; q < m; q++) {
      if (angle(source.xyz, idx[q], t, j) > radius) break;
      out.src.push(idx[q]);
      out.dst.push(j);
    }
  }
  return out;
}

/**
 * Makes sure every node on one side has at least one edge: a source node with no outgoing edge
 * gets an edge to its nearest target ("source"), a target with no incoming edge gets one from its
 * nearest source ("target"). Returns how many edges were added.
 */
export function ensureCoverage(edges: EdgeList, source: NodeSet, target: NodeSet, side: "source" | "target"): number {
  const covered = new Uint8Array(side === "source" ? source.size : target.size);
  for (const i of side === "source" ? edges.src : edges.dst) covered[i] = 1;
  const other = side === "source" ? target : source;
  const self = side === "source" ? source : target;
  let tree: KdTree3 | null = null;
  let added = 0;
  for (let i = 0; i < covered.length; i++) {
    if (covered[i]) continue;
    tree ??= new KdTree3(other.xyz);
    const j = tree.nearest(self.xyz[3 * i], self.xyz[3 * i + 1], self.xyz[3 * i + 2]);
    if (side === "source") {
      edges.src.push(i);
      edges.dst.push(j);
    } else {
      edges.src.push(j);
      edges.dst.push(i);
    }
    added++;
  }
  return added;
}

/**
 * GraphCast-style multi-scale mesh edges: the union over refinement levels 0..r of each level's
 * triangle edges (within `xHops` hops on that level), in both directions, in the finest level's
 * vertex indices.
 */
export function multiScaleEdges(mesh: RefinedIcosahedron, xHops = 1): EdgeList {
  const n = mesh.levelSizes[mesh.levelSizes.length - 1];
  const keys = new Set<number>();
  for (let level = 0; level < mesh.faces.length; level++) {
    const levelEdges = triangleEdges(mesh.faces[level], n);
    if (xHops <= 1) {
      for (const k of levelEdges) keys.add(k);
      continue;
    }
    // Neighbourhoods within xHops on this level's graph (breadth-first search per vertex).
    const m = mesh.levelSizes[level];
    const adj: number[][] = Array.from({ length: m }, () => []);
    for (const k of levelEdges) {
      const a = Math.floor(k / n), b = k - a * n;
      adj[a].push(b);
      adj[b].push(a);
    }
    const seen = new Int32Array(m).fill(-1);
    for (let s = 0; s < m; s++) {
      let frontier = [s];
      seen[s] = s;
      for (let hop = 0; hop < xHops; hop++) {
        const next: number[] = [];
        for (const v of frontier)
          for (const w of adj[v])
            if (seen[w] !== s) {
              seen[w] = s;
              next.push(w);
              if (s < w) keys.add(s * n + w);
            }
        frontier = next;
      }
    }
  }
  const out: EdgeList = { src: [], dst: [] };
  for (const k of keys) {
    const a = Math.floor(k / n), b = k - a * n;
    out.src.push(a, b);
    out.dst.push(b, a);
  }
  return out;
}

/** Sorts by (target, source), removes duplicates and computes the edge attributes. */
export function finaliseEdges(name: string, list: EdgeList, source: NodeSet, target: NodeSet): EdgeSet {
  // Counting sort by target, then insertion sort of each (small) bucket by source; drop duplicates.
  const e0 = list.src.length;
  const start = new Int32Array(target.size + 1);
  for (let q = 0; q < e0; q++) start[list.dst[q] + 1]++;
  for (let j = 0; j < target.size; j++) start[j + 1] += start[j];
  const fill = start.slice(0, target.size);
  const bySrc = new Int32Array(e0);
  for (let q = 0; q < e0; q++) bySrc[fill[list.dst[q]]++] = list.src[q];
  const src: number[] = [];
  const dst: number[] = [];
  for (let j = 0; j < target.size; j++) {
    const lo = start[j], hi = start[j + 1];
    for (let q = lo + 1; q < hi; q++) {
      const v = bySrc[q];
      let r = q - 1;
      while (r >= lo && bySrc[r] > v) {
        bySrc[r + 1] = bySrc[r];
        r--;
      }
      bySrc[r + 1] = v;
    }
    for (let q = lo; q < hi; q++) {
      if (q > lo && bySrc[q] === bySrc[q - 1]) continue;
      src.push(bySrc[q]);
      dst.push(j);
    }
  }
  const e = src.length;
  const lengths = new Float64Array(e);
  const dirs = new Float64Array(2 * e);
  let maxLen = 0;
  let maxChord = 0;
  const a = source.xyz, b = target.xyz;
  for (let q = 0; q < e; q++) {
    const i = src[q], j = dst[q];
    lengths[q] = angle(a, i, b, j);
    maxLen = Math.max(maxLen, lengths[q]);
    const lat = (target.latitudes[j] * Math.PI) / 180;
    const lon = (target.longitudes[j] * Math.PI) / 180;
    const dx = a[3 * i] - b[3 * j], dy = a[3 * i + 1] - b[3 * j + 1], dz = a[3 * i + 2] - b[3 * j + 2];
    const east = -Math.sin(lon) * dx + Math.cos(lon) * dy;
    const north = -Math.sin(lat) * Math.cos(lon) * dx - Math.sin(lat) * Math.sin(lon) * dy + Math.cos(lat) * dz;
    dirs[2 * q] = east;
    dirs[2 * q + 1] = north;
    maxChord = Math.max(maxChord, Math.hypot(dx, dy, dz));
  }
  const attributes = new Float32Array(3 * e);
  for (let q = 0; q < e; q++) {
    attributes[3 * q] = maxLen > 0 ? lengths[q] / maxLen : 0;
    attributes[3 * q + 1] = maxChord > 0 ? dirs[2 * q] / maxChord : 0;
    attributes[3 * q + 2] = maxChord > 0 ? dirs[2 * q + 1] / maxChord : 0;
  }
  return { name, source: source.name, target: target.name, size: e, src: Int32Array.from(src), dst: Int32Array.from(dst), attributes };
}
