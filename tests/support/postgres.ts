import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL server that tests of the PostgreSQL mode run against. */
export const TEST_PG_ADMIN_URL = process.env.ISOBAR_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh database for one test file, dropped afterwards. In CI an unreachable server is an
 * error, never a skip.
 */
export async function createTestDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!(await postgresAvailable())) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_PG_ADMIN_URL}; start it or set ISOBAR_TEST_PG_URL`);
  }
  const name = `isobar_test_${label}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
