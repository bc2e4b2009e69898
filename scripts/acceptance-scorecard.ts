/**
 * The acceptance scorecards (docs/acceptance.md): the model's score run against the persistence
 * and the climatology score runs, through Isobar's own scorecard query (the same as the
 * /scorecards page and `verification.scorecardCsv`), as CSV for the given variables and leads.
 *
 *   npx tsx scripts/acceptance-scorecard.ts <model forecast name> <persistence name> <climatology name>
 *
 * Uses $ISOBAR_HOME (embedded database: stop `isobar serve` first) or DATABASE_URL.
 */
import { eq } from "drizzle-orm";
import { forecasts, scoreRuns } from "../server/db/schema";
import { readEnv } from "../server/env";
import { openServices } from "../server/services";
import { scorecard, scorecardCsv } from "../server/verification/queries";

const [modelName, persistenceName, climatologyName] = process.argv.slice(2);
if (!climatologyName) {
  console.error("usage: tsx scripts/acceptance-scorecard.ts <model forecast> <persistence forecast> <climatology forecast>");
  process.exit(2);
}
const services = await openServices(readEnv(), { command: "acceptance-scorecard", runWorkers: false, supervise: false });
try {
  const db = services.storage.db;
  const scoreRunOf = async (name: string) => {
    const rows = await db.select({ id: scoreRuns.id, status: scoreRuns.status }).from(scoreRuns).innerJoin(forecasts, eq(scoreRuns.forecastId, forecasts.id)).where(eq(forecasts.name, name));
    const done = rows.find((r) => r.status === "completed");
    if (!done) throw new Error(`no completed score run for the forecast '${name}' (run 'isobar score' first)`);
    return done.id;
  };
  const model = await scoreRunOf(modelName);
  for (const ref of [persistenceName, climatologyName]) {
    const card = await scorecard(db, { experimentScoreRunId: model, referenceScoreRunId: await scoreRunOf(ref), scores: ["rmse"], regions: ["global"], inflation: "ar2" });
    console.log(`# ${card.experiment.name} vs ${card.reference.name} (inflation ${card.inflation})`);
    process.stdout.write(scorecardCsv(card));
  }
} finally {
  await services.close();
}
