import { describe, expect, it } from "vitest";
import { PageTokenError, decodePageToken, encodePageToken, nextPageToken, queryFingerprint } from "@/lib/tracking/page-token";

const b64 = (s: string, enc: BufferEncoding = "base64url"): string => Buffer.from(s, "utf8").toString(enc);

function errorOf(token: string, fp?: string): string {
  try {
    decodePageToken(token, fp);
  } catch (e) {
    expect(e).toBeInstanceOf(PageTokenError);
    return (e as Error).message;
  }
  throw new Error(`expected ${token} to be rejected`);
}

describe("page tokens", () => {
  it("round-trip and are url-safe", () => {
    const t = encodePageToken({ offset: 1000, fingerprint: "abc", after: [1.5, "x", null] });
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(t)).toEqual({ offset: 1000, fingerprint: "abc", after: [1.5, "x", null] });
    expect(JSON.parse(Buffer.from(encodePageToken({ offset: 5 }), "base64url").toString())).toEqual({ offset: 5 });
  });

  it("absent or empty token is the first page", () => {
    expect(decodePageToken(undefined)).toEqual({ offset: 0 });
    expect(decodePageToken(null)).toEqual({ offset: 0 });
    expect(decodePageToken("")).toEqual({ offset: 0 });
  });

  it("accepts MLflow's own standard-base64 tokens", () => {
    expect(decodePageToken(b64('{"offset": 7}', "base64"))).toEqual({ offset: 7 });
    // '+' and '/' of the standard alphabet
    const std = Buffer.from(JSON.stringify({ offset: 3, fingerprint: "\u00ff\u00fe>?" })).toString("base64");
    expect(std).toMatch(/[+/]/);
    expect(decodePageToken(std)).toEqual({ offset: 3, fingerprint: "\u00ff\u00fe>?" });
  });

  it("rejects bad tokens with clear errors", () => {
    expect(errorOf("not a token!")).toBe("Invalid page_token: not a token returned by a previous search (bad characters)");
    expect(errorOf(b64("{nope"))).toBe("Invalid page_token: not a token returned by a previous search (cannot decode)");
    expect(errorOf(b64('{"offset": -1}'))).toBe("Invalid page_token: offset: Too small: expected number to be >=0");
    expect(errorOf(b64('{"offset": 1.5}'))).toBe("Invalid page_token: offset: Invalid input: expected int, received number");
    expect(errorOf(b64('{"offset": "10"}'))).toBe("Invalid page_token: offset: Invalid input: expected number, received string");
    expect(errorOf(b64("{}"))).toBe("Invalid page_token: offset: Invalid input: expected number, received undefined");
    expect(errorOf(b64("[1]"))).toBe("Invalid page_token: token: Invalid input: expected object, received array");
    expect(errorOf("A".repeat(5000))).toBe("Invalid page_token: too long or not a string");
  });

  it("fingerprints bind a token to its query", () => {
    const q1 = queryFingerprint({ filter: "metrics.a < 1", orderBy: ["x"], experimentIds: ["1"] });
    const q1b = queryFingerprint({ experimentIds: ["1"], orderBy: ["x"], filter: "metrics.a < 1" });
    const q2 = queryFingerprint({ filter: "metrics.a < 2", orderBy: ["x"], experimentIds: ["1"] });
    expect(q1).toBe(q1b);
    expect(q1).not.toBe(q2);
    const t = encodePageToken({ offset: 10, fingerprint: q1 });
    expect(decodePageToken(t, q1).offset).toBe(10);
    expect(errorOf(t, q2)).toBe(
      "Invalid page_token: it belongs to a different query (filter, order or experiments changed); start again without a page_token",
    );
    // tokens without a fingerprint (e.g. MLflow's) are accepted
    expect(decodePageToken(b64('{"offset": 2}'), q2).offset).toBe(2);
  });

  it("nextPageToken stops on the last page", () => {
    expect(nextPageToken(0, 10, 10)).toBe(encodePageToken({ offset: 10 }));
    expect(nextPageToken(0, 9, 10)).toBeUndefined();
    expect(nextPageToken(10, 10, 10, { total: 20 })).toBeUndefined();
    expect(decodePageToken(nextPageToken(10, 10, 10, { total: 21, fingerprint: "f" }))).toEqual({ offset: 20, fingerprint: "f" });
  });
});
