import { describe, expect, it } from "vitest";
import { octahedralGrid, regularGlobal } from "@/lib/grids";
import {
  buildGraph,
  deserializeGraph,
  GraphFormatError,
  icosahedralNodes,
  icosahedronNodeCount,
  inspectGraph,
  knnEdges,
  multiScaleEdges,
  refinedIcosahedron,
  serializeGraph,
  triangleEdges,
  gridNodes,
  type EdgeSet,
} from "@/lib/graphs";

const angle = (a: Float64Array, i: number, b: Float64Array, j: number) =>
  Math.acos(Math.max(-1, Math.min(1, a[3 * i] * b[3 * j] + a[3 * i + 1] * b[3 * j + 1] + a[3 * i + 2] * b[3 * j + 2])));

describe("refined icosahedron", () => {
  it("has 10·4^r + 2 nodes, 20·4^r faces and 30·4^r edges per level, all on the unit sphere", () => {
    const mesh = refinedIcosahedron(4);
    for (let r = 0; r <= 4; r++) {
      expect(mesh.levelSizes[r]).toBe(icosahedronNodeCount(r));
      expect(mesh.faces[r].length / 3).toBe(20 * 4 ** r);
      expect(triangleEdges(mesh.faces[r], mesh.levelSizes[4]).size).toBe(30 * 4 ** r);
    }
    expect(mesh.xyz.length / 3).toBe(2562);
    for (let i = 0; i < 2562; i++) expect(Math.hypot(mesh.xyz[3 * i], mesh.xyz[3 * i + 1], mesh.xyz[3 * i + 2])).toBeCloseTo(1, 12);
  });

  it("multi-scale edges are symmetric, unique, and contain every level's edges", () => {
    const mesh = refinedIcosahedron(3);
    const list = multiScaleEdges(mesh);
    const n = mesh.levelSizes[3];
    const keys = new Set<number>();
    for (let q = 0; q < list.src.length; q++) keys.add(list.src[q] * n + list.dst[q]);
    expect(keys.size).toBe(list.src.length);
    for (let q = 0; q < list.src.length; q++) expect(keys.has(list.dst[q] * n + list.src[q])).toBe(true);
    // Levels share no edge (a coarse edge spans two fine edges), so the count is 2·Σ 30·4^l.
    expect(list.src.length).toBe(2 * 30 * (1 + 4 + 16 + 64));
    // 2 hops on level 3 reach more than 1 hop.
    expect(multiScaleEdges(mesh, 2).src.length).toBeGreaterThan(list.src.length);
  });

  it("Voronoi area weights of the mesh are mean 1 and nearly uniform", () => {
    const nodes = icosahedralNodes("hidden", 3);
    let s = 0, mn = Infinity, mx = 0;
    for (const w of nodes.areaWeight) {
      s += w;
      mn = Math.min(mn, w);
      mx = Math.max(mx, w);
    }
    expect(s / nodes.size).toBeCloseTo(1, 5);
    expect(mn).toBeGreaterThan(0.8); // the 12 pentagons are the smallest cells
    expect(mx).toBeLessThan(1.2);
  });
});

describe("edges", () => {
  it("kNN matches brute force", () => {
    const data = gridNodes("data", regularGlobal(15, 15));
    const hidden = icosahedralNodes("hidden", 2);
    const k = 4;
    const list = knnEdges(hidden, data, k);
    expect(list.src.length).toBe(k * data.size);
    for (let j = 0; j < data.size; j++) {
      const d = Array.from({ length: hidden.size }, (_, i) => angle(hidden.xyz, i, data.xyz, j)).sort((a, b) => a - b);
      const got = list.src.slice(k * j, k * j + k).map((i) => angle(hidden.xyz, i, data.xyz, j));
      for (let q = 0; q < k; q++) expect(got[q]).toBeCloseTo(d[q], 12);
    }
  });

  it("processor kNN excludes self loops", () => {
    const hidden = icosahedralNodes("hidden", 2);
    const list = knnEdges(hidden, hidden, 6, true);
    expect(list.src.length).toBe(6 * hidden.size);
    for (let q = 0; q < list.src.length; q++) expect(list.src[q]).not.toBe(list.dst[q]);
  });
});

function checkEdgeSet(e: EdgeSet, nSrc: number, nDst: number) {
  for (let q = 0; q < e.size; q++) {
    expect(e.src[q] >= 0 && e.src[q] < nSrc && e.dst[q] >= 0 && e.dst[q] < nDst).toBe(true);
    if (q > 0) expect(e.dst[q] > e.dst[q - 1] || (e.dst[q] === e.dst[q - 1] && e.src[q] > e.src[q - 1])).toBe(true);
  }
  let maxLen = 0;
  for (let q = 0; q < e.size; q++) {
    const [len, de, dn] = [e.attributes[3 * q], e.attributes[3 * q + 1], e.attributes[3 * q + 2]];
    expect(len).toBeGreaterThanOrEqual(0);
    expect(len).toBeLessThanOrEqual(1);
    expect(Math.hypot(de, dn)).toBeLessThanOrEqual(1 + 1e-6);
    maxLen = Math.max(maxLen, len);
  }
  expect(maxLen).toBeCloseTo(1, 6);
}

describe("buildGraph", () => {
  const grid = regularGlobal(10, 10); // 19 × 36 points with poles
  const g = buildGraph(grid, {
    hidden: { type: "icosahedral", resolution: 2 },
    encoder: { method: "cutoff", cutoff_factor: 0.6, max_num_neighbours: 64 },
    decoder: { method: "knn", num_nearest_neighbours: 3 },
    processor: { method: "multiscale", x_hops: 1 },
  });

  it("covers every data node in the encoder and the decoder", () => {
    const enc = new Uint8Array(grid.size), dec = new Uint8Array(grid.size);
    for (const i of g.edges.encoder.src) enc[i] = 1;
    for (const i of g.edges.decoder.dst) dec[i] = 1;
    expect(enc.every((v) => v === 1)).toBe(true);
    expect(dec.every((v) => v === 1)).toBe(true);
  });

  it("has valid sorted edges and attributes in range", () => {
    checkEdgeSet(g.edges.encoder, grid.size, 162);
    checkEdgeSet(g.edges.processor, 162, 162);
    checkEdgeSet(g.edges.decoder, 162, grid.size);
    // Direction of a north-going edge: a source due north of the target points north.
    const s = inspectGraph(g);
    expect(s.nodes).toEqual([{ name: "data", size: 684 }, { name: "hidden", size: 162 }]);
    const dec = s.edges.find((e) => e.name === "decoder")!;
    expect(dec.inDegree).toEqual({ min: 3, mean: 3, max: 3 });
    const proc = s.edges.find((e) => e.name === "processor")!;
    expect(proc.inDegree.min).toBe(6); // vertices of the finest level only
    expect(proc.inDegree.max).toBe(5 + 5 + 5); // a base vertex: a pentagon on every level
    expect(proc.size).toBe(2 * 30 * 21);
  });

  it("direction attributes point from the target to the source in east/north coordinates", () => {
    const data = gridNodes("data", regularGlobal(30, 30));
    const e = buildGraph(regularGlobal(30, 30), {
      hidden: { type: "octahedral", resolution: 4 },
      encoder: { method: "knn", num_nearest_neighbours: 1 },
      decoder: { method: "knn", num_nearest_neighbours: 4 },
      processor: { method: "knn", num_nearest_neighbours: 4 },
    }).edges.decoder;
    for (let q = 0; q < e.size; q++) {
      const j = e.dst[q];
      if (Math.abs(data.latitudes[j]) > 60) continue;
      const de = e.attributes[3 * q + 1], dn = e.attributes[3 * q + 2];
      const hidden = octahedralGrid(4);
      const dlat = hidden.latitudes[e.src[q]] - data.latitudes[j];
      let dlon = hidden.longitudes[e.src[q]] - data.longitudes[j];
      dlon = ((dlon + 540) % 360) - 180;
      if (Math.abs(dlat) > 1) expect(Math.sign(dn)).toBe(Math.sign(dlat));
      if (Math.abs(dlon) > 1) expect(Math.sign(de)).toBe(Math.sign(dlon));
    }
  });

  it("rejects multiscale edges on a non-icosahedral mesh and bad specs", () => {
    expect(() =>
      buildGraph(grid, {
        hidden: { type: "healpix", resolution: 2 },
        encoder: { method: "knn", num_nearest_neighbours: 3 },
        decoder: { method: "knn", num_nearest_neighbours: 3 },
        processor: { method: "multiscale", x_hops: 1 },
      }),
    ).toThrow(/icosahedral/);
    expect(() => buildGraph(grid, { hidden: { type: "hexagonal" } } as never)).toThrow(/invalid graph spec/);
  });

  it("round-trips through the binary form", () => {
    const bytes = serializeGraph(g);
    const back = deserializeGraph(bytes);
    expect(back.spec).toEqual(g.spec);
    expect(back.nodes.data.grid).toEqual(grid.descriptor);
    for (const k of ["encoder", "processor", "decoder"] as const) {
      expect(Array.from(back.edges[k].src)).toEqual(Array.from(g.edges[k].src));
      expect(Array.from(back.edges[k].attributes)).toEqual(Array.from(g.edges[k].attributes));
    }
    expect(Array.from(back.nodes.hidden.areaWeight)).toEqual(Array.from(g.nodes.hidden.areaWeight));
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => deserializeGraph(bad)).toThrow(GraphFormatError);
    expect(() => deserializeGraph(bytes.slice(0, bytes.length - 64))).toThrow(/past the end/);
  });
});
