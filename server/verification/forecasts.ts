/** The forecasts registry (what the Forecasts pages list) and score runs. */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import type { ForecastReader } from "../../lib/forecasts/store";
import type { Db } from "../db/storage";
import { forecasts, scoreRuns } from "../db/schema";

export type ForecastRow = typeof forecasts.$inferSelect;
export type ScoreRunRow = typeof scoreRuns.$inferSelect;

export class VerificationNotFoundError extends Error {}
export class VerificationInputError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** Record a forecast store (or refresh its row), from what the store says. Idempotent per path. */
export async function registerForecast(
  db: Db,
  reader: ForecastReader,
  opts: { name?: string; kind?: string; jobId?: string; producer?: Record<string, unknown> } = {},
): Promise<ForecastRow> {
  const abs = path.resolve(reader.path);
  const kind = opts.kind ?? (reader.format === "wb2" ? "imported" : reader.producer.kind);
  const values = {
    name: opts.name ?? path.basename(abs, ".zarr"),
    path: abs,
    kind,
    producer: { ...reader.producer, ...(opts.producer ?? {}), format: reader.format },
    sourceDataset: reader.sourceDataset,
    variables: [...reader.variables],
    initTimes: reader.initTimes.length,
    leadTimesHours: [...reader.leadTimesHours],
    members: reader.members,
    gridId: reader.grid.id,
    ...(opts.jobId ? { jobId: opts.jobId } : {}),
  };
  const [row] = await db
    .insert(forecasts)
    .values({ id: randomUUID(), ...values })
    .onConflictDoUpdate({ target: forecasts.path, set: values })
    .returning();
  return row;
}

export async function listForecasts(db: Db): Promise<ForecastRow[]> {
  return db.select().from(forecasts).orderBy(desc(forecasts.createdAt));
}

export async function getForecast(db: Db, id: string): Promise<ForecastRow> {
  const [row] = isUuid(id) ? await db.select().from(forecasts).where(eq(forecasts.id, id)) : [];
  if (!row) throw new VerificationNotFoundError(`no forecast with id ${id}`);
  return row;
}

export async function findForecastByPath(db: Db, p: string): Promise<ForecastRow | undefined> {
  const [row] = await db.select().from(forecasts).where(eq(forecasts.path, path.resolve(p)));
  return row;
}

export async function listScoreRuns(db: Db, forecastId?: string): Promise<ScoreRunRow[]> {
  const q = db.select().from(scoreRuns);
  return (forecastId ? q.where(eq(scoreRuns.forecastId, forecastId)) : q).orderBy(desc(scoreRuns.createdAt));
}

export async function getScoreRun(db: Db, id: string): Promise<ScoreRunRow> {
  const [row] = isUuid(id) ? await db.select().from(scoreRuns).where(eq(scoreRuns.id, id)) : [];
  if (!row) throw new VerificationNotFoundError(`no score run with id ${id}`);
  return row;
}
