/**
 * The graph service (`GET /api/graphs/<checkpoint id>`) over real HTTP, a real database (PGlite)
 * and real checkpoint files written by lib/inference, on a graph built by lib/graphs that can be
 * checked by hand:
 * - data nodes: the 90° regular grid with poles, 3 latitudes (90, 0, −90) × 4 longitudes
 *   (0, 90, 180, 270) = 12 nodes, node 4·row + column;
 * - hidden nodes: the bare icosahedron (r = 0), 12 vertices; vertex 0 is (0, −1, −φ)/|·| at
 *   latitude −atan φ = −58.2825°, longitude −90°; vertex 2 is (−φ, 0, −1)/|·| at latitude
 *   −atan(1/φ) = −31.7175°, longitude 180° (sent as −180°);
 * - encoder kNN k = 12 (every hidden node gets all 12 data nodes): 144 edges; processor
 *   multi-scale: the 30 icosahedron edges both ways, 60 edges of acos(1/√5) = 63.4349°; decoder
 *   kNN k = 3: 36 edges.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regularGlobal } from "@/lib/grids";
import { buildGraph, decodeGraphView, GRAPH_VIEW_CONTENT_TYPE } from "@/lib/graphs";
import { exportCheckpoint } from "@/lib/inference";
import { ForecastModel, initTf } from "@/lib/models";
import { checkpoints } from "@/server/db/schema";
import { readEnv } from "@/server/env";
import { createIsobarServer } from "@/server/http/server";
import { openServices, type Services } from "@/server/services";
import { createRun } from "@/server/tracking/store/runs";
import { freshHome } from "../support/isobar-process";

const PHI = (1 + Math.sqrt(5)) / 2;
const ICO_LAT = (Math.atan(PHI) * 180) / Math.PI; // 58.2825…
const ICO_EDGE = (Math.acos(1 / Math.sqrt(5)) * 180) / Math.PI; // 63.4349…

const grid = regularGlobal(90, 90, { poles: true });
const graph = buildGraph(grid, {
  hidden: { type: "icosahedral", resolution: 0 },
  encoder: { method: "knn", num_nearest_neighbours: 12 },
  decoder: { method: "knn", num_nearest_neighbours: 3 },
  processor: { method: "multiscale", x_hops: 1 },
});

function greatCircleDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const c = Math.sin(lat1 * r) * Math.sin(lat2 * r) + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.cos((lon1 - lon2) * r);
  return Math.acos(Math.max(-1, Math.min(1, c))) / r;
}

describe("graph service: a checkpoint's graph for the map", () => {
  const home = freshHome("graph-view");
  let services: Services;
  let server: http.Server;
  let base = "";
  const ids = { gnn: randomUUID(), noGraph: randomUUID(), missing: randomUUID(), periodic: randomUUID(), run: "" };

  beforeAll(async () => {
    services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
    await initTf();
    const model = new ForecastModel({ num_channels: 4, processor: { type: "gnn", num_layers: 1 } }, { multistepInput: 1, numPrognostic: 1, numForcing: 0 }, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 1);
    const common = {
      variables: { prognostic: ["z_500"], forcing: [] },
      timestep: "6h",
      grid: grid.descriptor,
      normalisation: { mean: { z_500: 0 }, std: { z_500: 1 }, tendency_mean: { z_500: 0 }, tendency_std: { z_500: 1 } },
    };
    const dir = path.join(home, "ckpt");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "gnn.ckpt"), exportCheckpoint(model, { ...common, graph }));
    fs.writeFileSync(path.join(dir, "nograph.ckpt"), exportCheckpoint(model, { ...common, graph: null }));
    model.dispose();
    const db = services.storage.db;
    ids.run = (await createRun(db, { experimentId: "0", runName: "tiny-gnn" })).info.runId;
    await db.insert(checkpoints).values([
      { id: ids.periodic, runId: ids.run, step: 5, kind: "periodic", path: path.join(dir, "gnn.ckpt") + ".periodic" },
      { id: ids.gnn, runId: ids.run, step: 10, kind: "final", path: path.join(dir, "gnn.ckpt") },
      { id: ids.noGraph, runId: ids.run, step: 11, kind: "final", path: path.join(dir, "nograph.ckpt") },
      { id: ids.missing, runId: ids.run, step: 12, kind: "final", path: path.join(dir, "gone.ckpt") },
    ]);
    server = createIsobarServer(services, null);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await services?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function view(query = "") {
    const res = await fetch(`${base}/api/graphs/${ids.gnn}${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-type")).toBe(GRAPH_VIEW_CONTENT_TYPE);
    return decodeGraphView(new Uint8Array(await res.arrayBuffer()));
  }

  it("node sets with hand-checked positions, all edge set counts, the processor edges by default", async () => {
    const v = await view();
    expect(v.header.nodes).toEqual([
      { name: "data", size: 12 },
      { name: "hidden", size: 12 },
    ]);
    expect(v.header.edgeSets).toEqual([
      { name: "encoder", source: "data", target: "hidden", size: 144 },
      { name: "processor", source: "hidden", target: "hidden", size: 60 },
      { name: "decoder", source: "hidden", target: "data", size: 36 },
    ]);
    expect(v.header.edges).toMatchObject({ name: "processor", total: 60, returned: 60, omitted: 0, stride: 1 });
    expect(v.header.source).toMatchObject({ checkpoint: ids.gnn, runId: ids.run, runName: "tiny-gnn", step: 10, kind: "final" });
    expect((v.header.source.runCheckpoints as { step: number }[]).map((c) => c.step)).toEqual([5, 10, 11, 12]);

    const d = v.nodes.data;
    // node 0: north pole; node 5: (0°, 90°E); node 6: (0°, 180°) sent as −180°; node 7: (0°, 270°) sent as −90°; node 9: south pole at 90°E
    expect([d.lat[0], d.lon[0]]).toEqual([90, 0]);
    expect([d.lat[5], d.lon[5]]).toEqual([0, 90]);
    expect([d.lat[6], d.lon[6]]).toEqual([0, -180]);
    expect([d.lat[7], d.lon[7]]).toEqual([0, -90]);
    expect([d.lat[9], d.lon[9]]).toEqual([-90, 90]);
    const h = v.nodes.hidden;
    expect(h.lat[0]).toBeCloseTo(-ICO_LAT, 4);
    expect(h.lon[0]).toBeCloseTo(-90, 4);
    expect(h.lat[1]).toBeCloseTo(0, 4);
    expect(h.lon[1]).toBeCloseTo(-180 + (Math.atan(PHI) * 180) / Math.PI, 4); // (−1, −φ, 0): longitude −180° + atan φ = −121.7175°
    expect(h.lat[2]).toBeCloseTo(-(90 - ICO_LAT), 4);
    expect(h.lon[2]).toBeCloseTo(-180, 4);
    // every returned processor edge joins two icosahedron neighbours 63.43° apart, and they are the stored edges
    const e = v.edges!;
    for (let k = 0; k < e.src.length; k++) {
      expect(greatCircleDeg(h.lat[e.src[k]], h.lon[e.src[k]], h.lat[e.dst[k]], h.lon[e.dst[k]])).toBeCloseTo(ICO_EDGE, 3);
      expect([e.src[k], e.dst[k]]).toEqual([graph.edges.processor.src[k], graph.edges.processor.dst[k]]);
    }
  });

  it("one edge set with a stride and a limit, saying how many were left out; JSON form", async () => {
    const strided = await view("?edges=encoder&stride=7");
    expect(strided.header.edges).toMatchObject({ name: "encoder", source: "data", target: "hidden", total: 144, returned: 21, omitted: 123, stride: 7 }); // ceil(144 / 7) = 21
    expect(Array.from(strided.edges!.src)).toEqual(Array.from({ length: 21 }, (_, k) => graph.edges.encoder.src[7 * k]));
    expect(Array.from(strided.edges!.dst)).toEqual(Array.from({ length: 21 }, (_, k) => graph.edges.encoder.dst[7 * k]));
    // limit 10 of 36 decoder edges: the stride goes up to ceil(36 / 10) = 4, so 9 edges spread over the set
    const limited = await view("?edges=decoder&limit=10");
    expect(limited.header.edges).toMatchObject({ name: "decoder", total: 36, returned: 9, omitted: 27, stride: 4, limit: 10 });
    expect(Array.from(limited.edges!.dst)).toEqual(Array.from({ length: 9 }, (_, k) => graph.edges.decoder.dst[4 * k]));
    const none = await view("?edges=none");
    expect(none.header.edges).toBeNull();
    expect(none.edges).toBeNull();
    expect(none.nodes.hidden.lat.length).toBe(12);

    const res = await fetch(`${base}/api/graphs/${ids.gnn}?edges=processor&limit=5&format=json`);
    expect(res.status).toBe(200);
    const j = (await res.json()) as { edges: { returned: number; omitted: number }; nodePositions: { data: { lat: number[]; lon: number[] } }; edgeIndices: { src: number[]; dst: number[] } };
    expect(j.edges).toMatchObject({ returned: 5, omitted: 55 });
    expect(j.edgeIndices.src).toHaveLength(5);
    expect([j.nodePositions.data.lat[7], j.nodePositions.data.lon[7]]).toEqual([0, -90]);
  });

  it("clear 4xx errors: unknown id, not an id, no graph, missing file, bad parameters", async () => {
    const err = async (url: string) => {
      const res = await fetch(`${base}${url}`);
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    const unknown = randomUUID();
    expect(await err(`/api/graphs/${unknown}`)).toEqual({ status: 404, error: `no registered checkpoint with id ${unknown}` });
    expect(await err(`/api/graphs/final.ckpt`)).toMatchObject({ status: 400, error: expect.stringMatching(/'final\.ckpt' is not a checkpoint id/) });
    expect(await err(`/api/graphs/${ids.noGraph}`)).toMatchObject({ status: 422, error: expect.stringMatching(/holds no graph/) });
    expect(await err(`/api/graphs/${ids.missing}`)).toMatchObject({ status: 404, error: expect.stringMatching(/file of checkpoint .* is missing/) });
    expect(await err(`/api/graphs/${ids.gnn}?edges=mesh`)).toMatchObject({ status: 400, error: expect.stringMatching(/^edges: edges must be an edge set: processor, encoder, decoder or none/) });
    expect(await err(`/api/graphs/${ids.gnn}?stride=0`)).toMatchObject({ status: 400, error: expect.stringMatching(/^stride: stride must be ≥ 1/) });
    expect(await err(`/api/graphs/${ids.gnn}?limit=abc`)).toMatchObject({ status: 400, error: expect.stringMatching(/^limit: limit must be a positive integer/) });
  });
});
