import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "./schema";
import { acquireHomeLock } from "./home-lock";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Rows of a raw SQL query; both drivers (node-postgres and PGlite) return them under `rows`. */
export async function selectRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** An open database in one of the two storage modes, with the same schema. */
export type Storage =
  | { mode: "embedded"; db: Db; pglite: PGlite; dataDir: string; close(): Promise<void> }
  | { mode: "postgres"; db: Db; pool: pg.Pool; url: string; close(): Promise<void> };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

export function embeddedDataDir(home: string): string {
  return path.join(home, "db");
}

export async function openEmbeddedStorage(home: string, command: string): Promise<Storage> {
  const dataDir = embeddedDataDir(home);
  const release = acquireHomeLock(dataDir, command);
  try {
    const pglite = await PGlite.create(dataDir);
    const db = drizzlePglite(pglite, { schema }) as unknown as Db;
    return {
      mode: "embedded",
      db,
      pglite,
      dataDir,
      async close() {
        try {
          await pglite.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

export async function openPostgresStorage(url: string): Promise<Storage> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection can be closed by the server (restart, pg_terminate_backend, a dropped
  // database); node-postgres then emits 'error' on the pool, which would crash the process if
  // nobody listened. The pool replaces the connection on the next query, so a warning is enough.
  pool.on("error", (err) => console.error(`[isobar] PostgreSQL connection lost (${redactUrl(url)}): ${err.message}`));
  // pool.end() resolves once its clients are detached, before their sockets have closed; close()
  // waits for every 'remove', so nothing is still talking to the server when it returns.
  const open = new Set<pg.PoolClient>();
  pool.on("connect", (client) => open.add(client));
  pool.on("remove", (client) => open.delete(client));
  const close = async () => {
    const allClosed = new Promise<void>((resolve) => {
      if (open.size === 0) return resolve();
      pool.on("remove", () => open.size === 0 && resolve());
    });
    await pool.end();
    await allClosed;
  };
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await close();
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return { mode: "postgres", db, pool, url, close };
}

/** Stable advisory-lock key so concurrent workers never apply migrations at the same time. */
const MIGRATION_LOCK_KEY = 0x1505ba4;

export type MigrationReport = { applied: number; total: number };

/** Apply pending drizzle-kit migrations. Running it again is a no-op (applied: 0). */
export async function migrateStorage(storage: Storage): Promise<MigrationReport> {
  if (storage.mode === "embedded") {
    const before = await countApplied((q) => storage.pglite.query<{ n: number }>(q).then((r) => r.rows));
    await migratePglite(drizzlePglite(storage.pglite), { migrationsFolder: MIGRATIONS_FOLDER });
    const after = await countApplied((q) => storage.pglite.query<{ n: number }>(q).then((r) => r.rows));
    return { applied: after - before, total: after };
  }
  const client = await storage.pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      const before = await countApplied((q) => client.query<{ n: number }>(q).then((r) => r.rows));
      await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
      const after = await countApplied((q) => client.query<{ n: number }>(q).then((r) => r.rows));
      return { applied: after - before, total: after };
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/** drizzle records applied migrations in drizzle.__drizzle_migrations (absent before the first). */
async function countApplied(run: (query: string) => Promise<{ n: number }[]>): Promise<number> {
  const [exists] = await run("select count(*)::int as n from information_schema.tables where table_schema = 'drizzle' and table_name = '__drizzle_migrations'");
  if (!exists?.n) return 0;
  const [row] = await run("select count(*)::int as n from drizzle.__drizzle_migrations");
  return row?.n ?? 0;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable url>";
  }
}
