/**
 * Opaque page tokens: base64url(JSON) of `{offset, ...}`, validated with zod on the way back in.
 *
 * Clients must treat tokens as opaque. MLflow's own tokens are base64 of `{"offset": N}`;
 * those decode here too (standard and url-safe alphabets are both accepted).
 */
import { createHash } from "node:crypto";
import { z } from "zod";

export const pageTokenSchema = z
  .object({
    /** Rows to skip. */
    offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    /** Fingerprint of the query the token belongs to (see `queryFingerprint`). */
    fingerprint: z.string().max(128).optional(),
    /** Sort values of the last row, for keyset pagination. */
    after: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(64).optional(),
  })
  .loose();

export type PageToken = z.infer<typeof pageTokenSchema>;

/** Raised for a malformed, tampered or mismatched token; maps to 400 INVALID_PARAMETER_VALUE. */
export class PageTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PageTokenError";
  }
}

const MAX_TOKEN_LENGTH = 4096;

/** Encode a page token. */
export function encodePageToken(token: PageToken): string {
  const parsed = pageTokenSchema.parse(token);
  return Buffer.from(JSON.stringify(parsed), "utf8").toString("base64url");
}

/**
 * Decode a page token. An absent or empty token is the first page (`{offset: 0}`).
 * When `expectedFingerprint` is given and the token carries a fingerprint, they must match.
 * @throws PageTokenError
 */
export function decodePageToken(token: string | null | undefined, expectedFingerprint?: string): PageToken {
  if (token === undefined || token === null || token === "") return { offset: 0 };
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) {
    throw new PageTokenError("Invalid page_token: too long or not a string");
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token)) {
    throw new PageTokenError("Invalid page_token: not a token returned by a previous search (bad characters)");
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new PageTokenError("Invalid page_token: not a token returned by a previous search (cannot decode)");
  }
  const result = pageTokenSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "token";
    throw new PageTokenError(`Invalid page_token: ${where}: ${issue.message}`);
  }
  if (expectedFingerprint !== undefined && result.data.fingerprint !== undefined && result.data.fingerprint !== expectedFingerprint) {
    throw new PageTokenError("Invalid page_token: it belongs to a different query (filter, order or experiments changed); start again without a page_token");
  }
  return result.data;
}

/**
 * A short stable hash of the query parameters a token is valid for, e.g.
 * `queryFingerprint({experimentIds, filter, orderBy, viewType})`. Object keys are sorted.
 */
export function queryFingerprint(query: unknown): string {
  const stable = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(stable);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash("sha256")
    .update(JSON.stringify(stable(query)) ?? "undefined")
    .digest("base64url")
    .slice(0, 16);
}

/**
 * The token for the page after one that started at `offset` and returned `returned` of at most `pageSize` rows;
 * `undefined` on the last page. Pass `total` when known to avoid an empty trailing page.
 */
export function nextPageToken(offset: number, returned: number, pageSize: number, opts: { total?: number; fingerprint?: string } = {}): string | undefined {
  const next = offset + returned;
  if (returned < pageSize) return undefined;
  if (opts.total !== undefined && next >= opts.total) return undefined;
  return encodePageToken(opts.fingerprint === undefined ? { offset: next } : { offset: next, fingerprint: opts.fingerprint });
}
