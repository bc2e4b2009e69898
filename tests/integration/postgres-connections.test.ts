import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openPostgresStorage, selectRows, type Storage } from "@/server/db/storage";
import { sql } from "drizzle-orm";
import { createTestDatabase, TEST_PG_ADMIN_URL } from "../support/postgres";

/**
 * The PostgreSQL storage's connection pool against a server that closes connections under it:
 * an idle connection killed by the server must not crash the process (node-postgres emits
 * 'error' on the pool; unheard, that is an uncaught exception, which vitest reports as an
 * error of this file), and close() must return only once every socket is closed, so that a
 * `drop database ... with (force)` right after it cannot hit a connection still closing (the CI
 * failure this test was written for).
 */

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Several concurrent queries, so that the pool holds several idle connections afterwards. */
async function fillPool(storage: Storage, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => selectRows(storage.db, sql`select pg_sleep(0.05)`)));
}

describe("PostgreSQL storage connections", () => {
  afterEach(() => vi.restoreAllMocks());

  it("survives the server terminating its idle connections, and reconnects on the next query", async () => {
    const db = await createTestDatabase("conn_kill");
    const storage = await openPostgresStorage(db.url);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await fillPool(storage, 4);
      if (storage.mode !== "postgres") throw new Error("expected PostgreSQL storage");
      expect(storage.pool.idleCount).toBe(4);
      const name = new URL(db.url).pathname.slice(1);
      const killed = await admin((c) =>
        c.query<{ n: string }>("select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()", [name]),
      );
      expect(Number(killed.rows[0].n)).toBe(4);
      // Each killed idle connection reports once, and leaves the pool.
      const deadline = Date.now() + 10_000;
      while (storage.pool.totalCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(storage.pool.totalCount).toBe(0);
      expect(logged.mock.calls.length).toBe(4);
      expect(String(logged.mock.calls[0][0])).toMatch(/PostgreSQL connection lost .*terminating connection/);
      expect(String(logged.mock.calls[0][0])).toContain(name); // which database it was
      const [row] = await selectRows<{ one: number }>(storage.db, sql`select 1 as one`);
      expect(row.one).toBe(1);
    } finally {
      await storage.close();
      await db.drop();
    }
  });

  it("closes every socket before close() returns, so a forced drop right after it is quiet", async () => {
    for (let round = 0; round < 5; round++) {
      const db = await createTestDatabase("conn_close");
      const storage = await openPostgresStorage(db.url);
      if (storage.mode !== "postgres") throw new Error("expected PostgreSQL storage");
      const sockets: { destroyed: boolean }[] = [];
      // Clients connected from here on; the one openPostgresStorage probed with is idle in the pool.
      storage.pool.on("connect", (client) => sockets.push((client as unknown as { connection: { stream: { destroyed: boolean } } }).connection.stream));
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      await fillPool(storage, 6);
      expect(sockets.length).toBeGreaterThanOrEqual(5);
      await storage.close();
      expect(sockets.every((s) => s.destroyed)).toBe(true);
      await db.drop();
      await new Promise((r) => setTimeout(r, 50));
      expect(logged).not.toHaveBeenCalled();
      vi.restoreAllMocks();
    }
  });
});
