import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minMaxDownsample, type MetricPoint } from "@/lib/tracking/downsample";
import { metrics } from "@/server/db/schema";
import { migrateStorage, openEmbeddedStorage, openPostgresStorage, type Storage } from "@/server/db/storage";
import { createExperiment } from "@/server/tracking/store/experiments";
import { getMetricMinMax, getMetricRange } from "@/server/tracking/store/history";
import { createRun } from "@/server/tracking/store/runs";
import { freshHome } from "../support/isobar-process";
import { createTestDatabase } from "../support/postgres";
import { mulberry32 as rng } from "@/lib/random/mulberry32";

/**
 * The chart histories bucketed in SQL (getMetricMinMax) against the JS minMaxDownsample over the
 * full history read in order — a different implementation of the same definition — on both
 * storage modes, over awkward data: NaN and ±Infinity, runs of equal values (ties), several
 * points per step, negative and unevenly spaced steps, step ranges, all points on one step.
 */


type Case = { name: string; points: MetricPoint[] };

function cases(): Case[] {
  const r = rng(7);
  const awkward: MetricPoint[] = [];
  let step = -500;
  for (let i = 0; i < 6000; i++) {
    step += r() < 0.1 ? 0 : 1 + Math.floor(r() * 5); // repeated steps and uneven gaps
    const u = r();
    const value =
      u < 0.02 ? Number.NaN : u < 0.025 ? Number.POSITIVE_INFINITY : u < 0.03 ? Number.NEGATIVE_INFINITY : Math.round(Math.sin(i / 40) * 8 + r() * 4) / 4; // ties
    awkward.push({ step, timestamp: 1_700_000_000_000 + i * 7, value });
  }
  // A stretch of NaN-only buckets in the middle.
  for (const p of awkward) if (p.step > 6000 && p.step < 6400) p.value = Number.NaN;
  const smooth = Array.from({ length: 20_000 }, (_, i) => ({ step: i, timestamp: 1_600_000_000_000 + i * 1000, value: 1 / (1 + i / 1000) + (i === 6666 ? 10 : 0) }));
  const oneStep = Array.from({ length: 700 }, (_, i) => ({ step: 42, timestamp: 1_000 + i, value: Math.cos(i) }));
  const few = Array.from({ length: 50 }, (_, i) => ({ step: i * 3, timestamp: i, value: i % 7 }));
  return [
    { name: "awkward", points: awkward },
    { name: "smooth", points: smooth },
    { name: "one-step", points: oneStep },
    { name: "few", points: few },
  ];
}

const key = (p: MetricPoint) => `${p.step}|${p.timestamp}|${Number.isNaN(p.value) ? "NaN" : p.value}`;

function viaJs(all: MetricPoint[], target: number): MetricPoint[] {
  if (all.length <= target) return all;
  const picked = minMaxDownsample(Float64Array.from(all, (p) => p.step), Float64Array.from(all, (p) => p.value), target).indices;
  return Array.from(picked, (i) => all[i]);
}

function suite(open: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>) {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  const runIds = new Map<string, string>();

  beforeAll(async () => {
    ({ storage, cleanup } = await open());
    await migrateStorage(storage);
    const db = storage.db;
    const experimentId = await createExperiment(db, { name: "downsample" });
    for (const c of cases()) {
      const run = await createRun(db, { experimentId, runName: c.name });
      runIds.set(c.name, run.info.runId);
      for (let i = 0; i < c.points.length; i += 2000) {
        await db.insert(metrics).values(c.points.slice(i, i + 2000).map((p) => ({ runId: run.info.runId, key: "loss", ...p })));
      }
    }
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  for (const target of [4, 5, 100, 2000]) {
    it(`matches minMaxDownsample over the full history at ${target} points`, async () => {
      const ids = [...runIds.values()];
      const got = await getMetricMinMax(storage.db, ids, "loss", target);
      expect(got.map((g) => g.runId)).toEqual(ids);
      for (const g of got) {
        const all = (await getMetricRange(storage.db, g.runId, "loss")).map(({ step, timestamp, value }) => ({ step, timestamp, value }));
        expect(g.totalPoints).toBe(all.length);
        expect(g.points.length).toBeLessThanOrEqual(Math.max(target, all.length <= target ? all.length : 0));
        expect(g.points.map(key)).toEqual(viaJs(all, target).map(key));
      }
    });
  }

  it("keeps each run's extremes and its first and last points, also within a step range", async () => {
    const [smooth] = await getMetricMinMax(storage.db, [runIds.get("smooth")!], "loss", 200);
    expect(smooth.points).toContainEqual({ step: 6666, timestamp: 1_600_000_000_000 + 6666 * 1000, value: 1 / (1 + 6.666) + 10 });
    expect(smooth.points[0].step).toBe(0);
    expect(smooth.points.at(-1)!.step).toBe(19_999);

    const awkwardId = runIds.get("awkward")!;
    const [ranged] = await getMetricMinMax(storage.db, [awkwardId], "loss", 300, 1000, 9000);
    const all = (await getMetricRange(storage.db, awkwardId, "loss", 1000, 9000)).map(({ step, timestamp, value }) => ({ step, timestamp, value }));
    expect(ranged.totalPoints).toBe(all.length);
    expect(ranged.points.map(key)).toEqual(viaJs(all, 300).map(key));
    const values = ranged.points.map((p) => p.value);
    expect(values).toContain(Number.POSITIVE_INFINITY);
    expect(values).toContain(Number.NEGATIVE_INFINITY);
    expect(values.some((v) => Number.isNaN(v))).toBe(true); // the NaN-only buckets keep a gap marker
  });

  it("answers a run without the key with no points", async () => {
    const [none] = await getMetricMinMax(storage.db, [runIds.get("few")!], "no-such-key", 100);
    expect(none).toEqual({ runId: runIds.get("few"), totalPoints: 0, points: [] });
  });
}

describe("min/max chart downsampling in SQL on embedded PGlite", () => {
  suite(async () => {
    const home = freshHome("downsample-sql");
    const storage = await openEmbeddedStorage(home, "vitest");
    return { storage, cleanup: async () => fs.rmSync(home, { recursive: true, force: true }) };
  });
});

describe("min/max chart downsampling in SQL on PostgreSQL", () => {
  suite(async () => {
    const db = await createTestDatabase("downsample");
    const storage = await openPostgresStorage(db.url);
    return { storage, cleanup: () => db.drop() };
  });
});
