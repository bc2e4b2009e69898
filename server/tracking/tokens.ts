import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, asc, eq, isNull, or } from "drizzle-orm";
import type { Db } from "../db/storage";
import { apiTokens } from "../db/schema";

export type TokenRole = "reader" | "writer";
export class TokenError extends Error {}

/** Tokens carry 256 random bits, so a plain SHA-256 (not a slow password hash) is enough to store them. */
function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createToken(db: Db, name: string, role: TokenRole): Promise<{ id: string; name: string; role: TokenRole; token: string }> {
  if (!/^[\w.\-@ ]{1,100}$/.test(name)) throw new TokenError(`invalid token name '${name}': use 1–100 letters, digits, spaces or . _ - @`);
  const [clash] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.name, name));
  if (clash) throw new TokenError(`a token named '${name}' already exists; revoke it first or choose another name`);
  const token = `isb_${randomBytes(32).toString("base64url")}`;
  const id = randomUUID();
  await db.insert(apiTokens).values({ id, name, role, tokenHash: hashToken(token) });
  return { id, name, role, token };
}

export async function listTokens(db: Db) {
  const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }));
}

export async function revokeToken(db: Db, idOrName: string): Promise<void> {
  const isUuid = /^[0-9a-f-]{36}$/i.test(idOrName);
  const updated = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(isUuid ? or(eq(apiTokens.id, idOrName), eq(apiTokens.name, idOrName)) : eq(apiTokens.name, idOrName), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (updated.length === 0) throw new TokenError(`no active token with id or name '${idOrName}'`);
}

/** The role of a valid, unrevoked bearer token, or null. */
export async function roleOfToken(db: Db, token: string): Promise<TokenRole | null> {
  const [row] = await db
    .select({ id: apiTokens.id, role: apiTokens.role })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.id));
  return row.role;
}
