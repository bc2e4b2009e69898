import { describe, expect, it } from "vitest";
import { SearchFilterError, SearchSyntaxError } from "@/lib/tracking/errors";
import { parseExperimentFilter, parseRunFilter, parseSearchFilter } from "@/lib/tracking/search-filter";
import { EXPERIMENT_SEARCH_SCHEMA } from "@/lib/tracking/search-schema";

/** The exact message a user sees, or a failure if the filter parses. */
function errorOf(filter: string, parse: (f: string) => unknown = parseRunFilter): SearchFilterError {
  try {
    parse(filter);
  } catch (e) {
    expect(e).toBeInstanceOf(SearchFilterError);
    return e as SearchFilterError;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

const msg = (filter: string, parse?: (f: string) => unknown): string => errorOf(filter, parse).message;

describe("parseRunFilter: productions", () => {
  it("empty, null and blank filters give no clauses", () => {
    expect(parseRunFilter("")).toEqual([]);
    expect(parseRunFilter("   \n\t")).toEqual([]);
    expect(parseRunFilter(null)).toEqual([]);
    expect(parseRunFilter(undefined)).toEqual([]);
  });

  it("metrics with every numeric operator and number forms", () => {
    const ops = ["=", "!=", ">", ">=", "<", "<="];
    for (const op of ops) {
      expect(parseRunFilter(`metrics.rmse ${op} 1.5`)).toEqual([{ kind: "metric", key: "rmse", op, value: 1.5 }]);
    }
    expect(parseRunFilter("metrics.a < -2")).toEqual([{ kind: "metric", key: "a", op: "<", value: -2 }]);
    expect(parseRunFilter("metrics.a < +3")).toEqual([{ kind: "metric", key: "a", op: "<", value: 3 }]);
    expect(parseRunFilter("metrics.a < .5")).toEqual([{ kind: "metric", key: "a", op: "<", value: 0.5 }]);
    expect(parseRunFilter("metrics.a < 1e-3")).toEqual([{ kind: "metric", key: "a", op: "<", value: 0.001 }]);
    expect(parseRunFilter("metrics.a<=2E+2")).toEqual([{ kind: "metric", key: "a", op: "<=", value: 200 }]);
    expect(parseRunFilter("metric.a = 0")).toEqual([{ kind: "metric", key: "a", op: "=", value: 0 }]);
  });

  it("every entity prefix alias, case-insensitively", () => {
    const kinds: Record<string, string> = {
      params: "param",
      param: "param",
      parameter: "param",
      parameters: "param",
      tags: "tag",
      tag: "tag",
      Params: "param",
      TAGS: "tag",
    };
    for (const [prefix, kind] of Object.entries(kinds)) {
      expect(parseRunFilter(`${prefix}.x = 'y'`)).toEqual([{ kind, key: "x", op: "=", value: "y" }]);
    }
    for (const prefix of ["attributes", "attribute", "attr", "run"]) {
      expect(parseRunFilter(`${prefix}.status = 'FINISHED'`)).toEqual([{ kind: "attribute", key: "status", op: "=", value: "FINISHED" }]);
    }
    for (const prefix of ["datasets", "dataset"]) {
      expect(parseRunFilter(`${prefix}.digest = 'abc'`)).toEqual([{ kind: "dataset", key: "digest", op: "=", value: "abc" }]);
    }
  });

  it("params and tags: = != LIKE ILIKE with single or double quoted values", () => {
    expect(parseRunFilter("params.lr = '0.1'")).toEqual([{ kind: "param", key: "lr", op: "=", value: "0.1" }]);
    expect(parseRunFilter('params.lr != "0.1"')).toEqual([{ kind: "param", key: "lr", op: "!=", value: "0.1" }]);
    expect(parseRunFilter("tags.user like 'al%'")).toEqual([{ kind: "tag", key: "user", op: "LIKE", value: "al%" }]);
    expect(parseRunFilter("tags.user ILike '_l%'")).toEqual([{ kind: "tag", key: "user", op: "ILIKE", value: "_l%" }]);
  });

  it("string escapes: doubled quotes and backslash", () => {
    expect(parseRunFilter("tags.note = 'it''s'")[0]).toMatchObject({ value: "it's" });
    expect(parseRunFilter("tags.note = 'it\\'s'")[0]).toMatchObject({ value: "it's" });
    expect(parseRunFilter('tags.note = "say ""hi"""')[0]).toMatchObject({ value: 'say "hi"' });
    expect(parseRunFilter("tags.note = 'a\\\\b'")[0]).toMatchObject({ value: "a\\b" });
    expect(parseRunFilter("tags.note = '100\\%'")[0]).toMatchObject({ value: "100\\%" });
    expect(parseRunFilter("tags.note = ''")[0]).toMatchObject({ value: "" });
  });

  it("quoted keys with double quotes or backticks", () => {
    expect(parseRunFilter('metrics."val mse" < 1')).toEqual([{ kind: "metric", key: "val mse", op: "<", value: 1 }]);
    expect(parseRunFilter("tags.`mlflow.user` = 'bob'")).toEqual([{ kind: "tag", key: "mlflow.user", op: "=", value: "bob" }]);
    expect(parseRunFilter("metrics.`val_mse_metric/sfc_2t/1` <= 0.2")).toEqual([
      { kind: "metric", key: "val_mse_metric/sfc_2t/1", op: "<=", value: 0.2 },
    ]);
    expect(parseRunFilter("metrics.`a``b` < 1")[0]).toMatchObject({ key: "a`b" });
  });

  it("unquoted keys keep everything after the first dot", () => {
    expect(parseRunFilter("params.training.lr = '1e-3'")).toEqual([{ kind: "param", key: "training.lr", op: "=", value: "1e-3" }]);
    expect(parseRunFilter("params.metadata.offline_run_id = 'abc'")[0]).toMatchObject({ key: "metadata.offline_run_id" });
    expect(parseRunFilter("params.model.layers.0 = '4'")[0]).toMatchObject({ key: "model.layers.0" });
    expect(parseRunFilter("params.2d = 'x'")[0]).toMatchObject({ key: "2d" });
  });

  it("attributes: bare, prefixed, quoted, aliases, normalised names", () => {
    expect(parseRunFilter("status = 'FAILED'")).toEqual([{ kind: "attribute", key: "status", op: "=", value: "FAILED" }]);
    expect(parseRunFilter("attributes.run_name LIKE 'exp%'")).toEqual([{ kind: "attribute", key: "run_name", op: "LIKE", value: "exp%" }]);
    expect(parseRunFilter("\"run name\" = 'x'")).toEqual([{ kind: "attribute", key: "run_name", op: "=", value: "x" }]);
    expect(parseRunFilter("attributes.\"run name\" = 'x'")).toEqual([{ kind: "attribute", key: "run_name", op: "=", value: "x" }]);
    expect(parseRunFilter("attributes.`Run Name` = 'x'")[0]).toMatchObject({ key: "run_name" });
    expect(parseRunFilter("created > 1700000000000")).toEqual([{ kind: "attribute", key: "start_time", op: ">", value: 1700000000000 }]);
    expect(parseRunFilter("attr.end_time <= 5")).toEqual([{ kind: "attribute", key: "end_time", op: "<=", value: 5 }]);
    expect(parseRunFilter("Start_Time >= 1")[0]).toMatchObject({ key: "start_time" });
    for (const a of ["user_id", "artifact_uri", "lifecycle_stage", "run_id"]) {
      expect(parseRunFilter(`${a} ILIKE '%x%'`)).toEqual([{ kind: "attribute", key: a, op: "ILIKE", value: "%x%" }]);
    }
  });

  it("IN / NOT IN for run_id and datasets", () => {
    expect(parseRunFilter("run_id IN ('a', 'b')")).toEqual([{ kind: "attribute", key: "run_id", op: "IN", value: ["a", "b"] }]);
    expect(parseRunFilter("attributes.run_id not in (\"a\")")).toEqual([{ kind: "attribute", key: "run_id", op: "NOT IN", value: ["a"] }]);
    expect(parseRunFilter("datasets.name IN ('era5','cerra')")).toEqual([{ kind: "dataset", key: "name", op: "IN", value: ["era5", "cerra"] }]);
    expect(parseRunFilter("dataset.context NOT IN ('training')")).toEqual([{ kind: "dataset", key: "context", op: "NOT IN", value: ["training"] }]);
    expect(parseRunFilter("datasets.Name LIKE 'era%'")).toEqual([{ kind: "dataset", key: "name", op: "LIKE", value: "era%" }]);
  });

  it("AND joins any number of conditions, case-insensitively, across lines", () => {
    expect(
      parseRunFilter("metrics.rmse < 1 and params.lr = '0.1'\n  AnD tags.`mlflow.user` ILIKE \"%bob%\" AND status != 'KILLED'"),
    ).toEqual([
      { kind: "metric", key: "rmse", op: "<", value: 1 },
      { kind: "param", key: "lr", op: "=", value: "0.1" },
      { kind: "tag", key: "mlflow.user", op: "ILIKE", value: "%bob%" },
      { kind: "attribute", key: "status", op: "!=", value: "KILLED" },
    ]);
  });

  it("the anemoi sync lookup filter", () => {
    expect(parseRunFilter("params.metadata.offline_run_id = '0123abcd'")).toEqual([
      { kind: "param", key: "metadata.offline_run_id", op: "=", value: "0123abcd" },
    ]);
  });
});

describe("parseRunFilter: errors", () => {
  it("points at a missing operator with column and caret", () => {
    const e = errorOf("metrics.rmse foo 1");
    expect(e.message).toBe(
      "Invalid filter at column 14: expected a comparison operator after 'metrics.rmse', found 'foo'\n" +
        "  metrics.rmse foo 1\n" +
        "               ^",
    );
    expect(e.column).toBe(14);
    expect(e.detail).toBe("expected a comparison operator after 'metrics.rmse', found 'foo'");
    expect(e).toBeInstanceOf(SearchSyntaxError);
  });

  it("operator at end of input", () => {
    expect(msg("metrics.rmse")).toBe(
      "Invalid filter at column 13: expected a comparison operator after 'metrics.rmse', found end of input\n  metrics.rmse\n              ^",
    );
  });

  it("unknown entity prefix", () => {
    expect(msg("foo.bar = 'x'")).toBe(
      "Invalid filter at column 1: unknown entity 'foo'; expected metrics., params., tags., attributes. or datasets.\n  foo.bar = 'x'\n  ^",
    );
  });

  it("unknown bare attribute suggests metrics./params./tags.", () => {
    expect(errorOf("rmse < 1").detail).toBe(
      "unknown attribute 'rmse'; valid attributes are start_time, end_time, run_id, run_name, status, user_id, artifact_uri, lifecycle_stage (for a metric, param or tag write metrics.rmse, params.rmse or tags.rmse)",
    );
    expect(errorOf("attributes.foo = 'x'").detail).toBe(
      "unknown attribute 'foo'; valid attributes are start_time, end_time, run_id, run_name, status, user_id, artifact_uri, lifecycle_stage",
    );
    expect(errorOf("attributes.foo = 'x'").column).toBe(12);
    // prototype members are not attributes
    expect(errorOf("constructor = 'x'").detail).toMatch(/^unknown attribute 'constructor'/);
    expect(errorOf("attributes.__proto__ = 'x'").detail).toMatch(/^unknown attribute '__proto__'/);
  });

  it("unknown dataset field", () => {
    expect(errorOf("datasets.size = 'x'").detail).toBe("unknown dataset field 'size'; valid fields are name, digest, context");
  });

  it("unquoted key with special characters asks for quoting", () => {
    expect(msg("metrics.val_mse_metric/sfc_2t/1 < 3")).toBe(
      "Invalid filter at column 23: unexpected character '/' in key 'val_mse_metric'; quote keys containing special characters, e.g. metrics.`val_mse_metric/sfc_2t/1`\n" +
        "  metrics.val_mse_metric/sfc_2t/1 < 3\n" +
        "                        ^",
    );
    expect(errorOf("metrics.val-loss < 1").detail).toBe(
      "unexpected character '-' in key 'val'; quote keys containing special characters, e.g. metrics.`val-loss`",
    );
    expect(errorOf("metrics.a-1 < 1").detail).toBe("unexpected '-1' in key 'a'; quote keys containing special characters, e.g. metrics.`a-1`");
    expect(errorOf("run-id = 'x'").detail).toBe("unexpected character '-' after 'run'; quote keys containing special characters");
  });

  it("key problems after the dot", () => {
    expect(errorOf("metrics. x < 1").detail).toBe("expected a key right after 'metrics.', found a space");
    expect(errorOf("metrics.").detail).toBe("expected a key right after 'metrics.', found end of input");
    expect(errorOf("metrics.< 1").detail).toBe("expected a key right after 'metrics.', found '<'");
    expect(errorOf("params.a. = 'x'").detail).toBe("expected a key segment after 'params.a.', found a space");
    expect(errorOf("tags.'x' = 'y'").detail).toBe("keys are quoted with double quotes or backticks, not single quotes: tags.`x`");
    expect(errorOf("tags.`a`.b = 'x'").detail).toBe("unexpected '.' after the quoted key `a`; put the whole key inside one pair of quotes");
    expect(errorOf('metrics."" < 1').detail).toBe("empty key after 'metrics.'");
  });

  it("operators not allowed for the entity", () => {
    expect(msg("params.lr > '1'")).toBe(
      "Invalid filter at column 11: '>' cannot be used with params; use '=', '!=', LIKE or ILIKE with 'params.lr'\n  params.lr > '1'\n            ^",
    );
    expect(errorOf("tags.x <= 'a'").detail).toBe("'<=' cannot be used with tags; use '=', '!=', LIKE or ILIKE with 'tags.x'");
    expect(errorOf("metrics.x LIKE '1'").detail).toBe(
      "'LIKE' cannot be used with metrics; use '=', '!=', '>', '>=', '<' or '<=' with 'metrics.x'",
    );
    expect(errorOf("start_time ILIKE '1'").detail).toBe(
      "'ILIKE' cannot be used with the numeric attribute start_time; use '=', '!=', '>', '>=', '<' or '<=' with 'start_time'",
    );
    expect(errorOf("status > 'A'").detail).toBe("'>' cannot be used with the attribute status; use '=', '!=', LIKE or ILIKE with 'status'");
    expect(errorOf("run_name IN ('a')").detail).toBe(
      "IN and NOT IN only work with run_id and datasets; use '=', '!=', LIKE or ILIKE with 'run_name'",
    );
    expect(errorOf("params.x NOT IN ('a')").column).toBe(10);
    expect(errorOf("metrics.x == 1").detail).toBe("'==' is not an operator; use '='");
    expect(errorOf("metrics.x <> 1").detail).toBe("'<>' is not an operator; use '!='");
    expect(errorOf("params.x NOT LIKE 'a'").detail).toBe("expected IN after 'NOT', found 'LIKE'");
  });

  it("value type errors", () => {
    expect(msg("params.lr = 0.1")).toBe(
      "Invalid filter at column 13: expected a quoted string after 'params.lr =', found '0.1'; quote string values, e.g. params.lr = '0.1'\n" +
        "  params.lr = 0.1\n" +
        "              ^",
    );
    expect(errorOf("tags.user = bob").detail).toBe("expected a quoted string after 'tags.user =', found 'bob'; quote string values, e.g. tags.user = 'bob'");
    expect(errorOf("tags.user = `bob`").detail).toBe("backticks quote keys, not values; write the value after 'tags.user =' in single or double quotes");
    expect(errorOf("tags.user =").detail).toBe("expected a quoted string after 'tags.user =', found end of input");
    expect(errorOf("metrics.x < '1'").detail).toBe("expected a number after 'metrics.x <', found the string '1'; write numbers without quotes");
    expect(errorOf("metrics.x < 'abc'").detail).toBe("expected a number after 'metrics.x <', found ''abc''");
    expect(errorOf("metrics.x < nan").detail).toBe("expected a number after 'metrics.x <', found 'nan'");
    expect(errorOf("metrics.x < 1abc").detail).toBe("expected a number after 'metrics.x <', found '1abc'");
    expect(errorOf("metrics.x < 1.2.3").detail).toBe("expected a number after 'metrics.x <', found '1.2.3'");
    expect(errorOf("start_time > 'yesterday'").detail).toBe("expected a number after 'start_time >', found ''yesterday''");
  });

  it("list errors", () => {
    expect(errorOf("run_id IN 'a'").detail).toBe("expected a parenthesised list such as ('a', 'b') after 'run_id IN', found ''a''");
    expect(errorOf("run_id IN ()").detail).toBe("the list is empty; expected a quoted string in the list after '(', found ')'");
    expect(errorOf("run_id IN ('a',)").detail).toBe("expected a quoted string in the list after '('a',', found ')'");
    expect(errorOf("run_id IN ('a' 'b')").detail).toBe("expected ',' or ')' in the list after ''a'', found ''b''");
    expect(errorOf("run_id IN ('a'").detail).toBe("expected ',' or ')' in the list after ''a'', found end of input");
    expect(errorOf("run_id IN (1)").detail).toBe("expected a quoted string in the list after '(', found '1'");
  });

  it("joining errors: OR, parentheses, trailing AND, junk", () => {
    expect(msg("metrics.rmse < 1 OR metrics.mae < 1")).toBe(
      "Invalid filter at column 18: OR is not supported; conditions can only be joined with AND\n" +
        "  metrics.rmse < 1 OR metrics.mae < 1\n" +
        "                   ^",
    );
    expect(errorOf("(metrics.rmse < 1)").detail).toBe("parentheses are not supported; conditions can only be joined with AND");
    expect(errorOf("status = 'FINISHED' AND").detail).toBe("expected a condition after 'AND', found end of input");
    expect(errorOf("status = 'FINISHED' and and").detail).toBe(
      "unknown attribute 'and'; valid attributes are start_time, end_time, run_id, run_name, status, user_id, artifact_uri, lifecycle_stage (for a metric, param or tag write metrics.and, params.and or tags.and)",
    );
    expect(errorOf("metrics.a < 1 AND metrics.b < 2 foo").detail).toBe("expected AND or the end of the filter after 'metrics.b < 2', found 'foo'");
    expect(errorOf("AND metrics.a < 1").column).toBe(1);
    expect(errorOf(", x").detail).toBe("expected a key such as metrics.rmse, found ','");
  });

  it("lexical errors: unterminated strings and stray characters", () => {
    expect(msg("params.x = 'unterminated")).toBe(
      "Invalid filter at column 12: unterminated ' quote: the string starting here is never closed\n  params.x = 'unterminated\n             ^",
    );
    expect(errorOf("metrics.`abc < 1").detail).toBe("unterminated ` quote: the key starting here is never closed");
    expect(errorOf("metrics.a < 1 & b").detail).toBe("unexpected character '&'");
    expect(errorOf("metrics.a < 1 AND 🙂").detail).toBe("unexpected character '🙂'");
  });

  it("tabs and newlines keep the caret aligned; long filters are shown as a window", () => {
    expect(msg("metrics.a < 1\nAND\tmetrics.foo")).toBe(
      "Invalid filter at column 30: expected a comparison operator after 'metrics.foo', found end of input\n" +
        "  metrics.a < 1 AND metrics.foo\n" +
        "  " + " ".repeat(29) + "^",
    );
    const long = `${"metrics.a < 1 AND ".repeat(10)}metrics.b ? 2`;
    const e = errorOf(long);
    expect(e.column).toBe(long.indexOf("?") + 1);
    const [, line, caret] = e.message.split("\n");
    expect(line.startsWith("  …")).toBe(true);
    expect(line[caret.indexOf("^")]).toBe("?");
  });
});

describe("experiment filters", () => {
  it("name, tags and times", () => {
    expect(parseExperimentFilter("name LIKE 'anemoi%' AND tags.team = 'ml' AND creation_time > 5 AND attributes.last_update_time <= 9")).toEqual([
      { kind: "attribute", key: "name", op: "LIKE", value: "anemoi%" },
      { kind: "tag", key: "team", op: "=", value: "ml" },
      { kind: "attribute", key: "creation_time", op: ">", value: 5 },
      { kind: "attribute", key: "last_update_time", op: "<=", value: 9 },
    ]);
    expect(parseSearchFilter("name = 'x'", EXPERIMENT_SEARCH_SCHEMA)).toEqual([{ kind: "attribute", key: "name", op: "=", value: "x" }]);
  });

  it("rejects run-only entities and attributes", () => {
    expect(errorOf("metrics.rmse < 1", parseExperimentFilter).detail).toBe(
      "experiments cannot be filtered by metrics; expected tags. or attributes.",
    );
    expect(errorOf("status = 'FINISHED'", parseExperimentFilter).detail).toBe(
      "unknown attribute 'status'; valid attributes are name, creation_time, last_update_time",
    );
    expect(errorOf("name IN ('a')", parseExperimentFilter).detail).toBe(
      "IN and NOT IN only work with run_id and datasets; use '=', '!=', LIKE or ILIKE with 'name'",
    );
    expect(errorOf("experiment_id = '1'", parseExperimentFilter).detail).toMatch(/^unknown attribute 'experiment_id'/);
  });
});

describe("robustness", () => {
  // Deterministic PRNG so failures reproduce.
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }
  const pieces = [
    "metrics", "params", "tags", "attributes", "datasets", "run", ".", "`", '"', "'", "(", ")", ",", " ", "AND", "OR", "NOT", "IN",
    "LIKE", "=", "!=", "<", ">=", "==", "rmse", "x/y", "1", "-2.5e3", "run_id", "status", "\n", "\\", "🙂", "\u0000", "__proto__", ".5",
  ];

  it("random token soup only yields clauses or SearchFilterError", () => {
    const r = rng(42);
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(r() * 12);
      let s = "";
      for (let k = 0; k < n; k++) s += pieces[Math.floor(r() * pieces.length)];
      try {
        const out = parseRunFilter(s);
        expect(Array.isArray(out)).toBe(true);
        parsed += 1;
      } catch (e) {
        if (!(e instanceof SearchFilterError)) throw new Error(`non-filter error for ${JSON.stringify(s)}: ${String(e)}`);
        expect(e.column).toBeGreaterThanOrEqual(1);
        expect(e.column).toBeLessThanOrEqual(s.length + 1);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });

  it("random characters only yield clauses or SearchFilterError", () => {
    const r = rng(7);
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(r() * 30);
      let s = "";
      for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(r() * 0x3000));
      try {
        parseRunFilter(s);
      } catch (e) {
        if (!(e instanceof SearchFilterError)) throw new Error(`non-filter error for ${JSON.stringify(s)}: ${String(e)}`);
      }
    }
  });

  it("a huge filter parses in linear-ish time", () => {
    const big = Array.from({ length: 2000 }, (_, i) => `metrics.m${i} < ${i}`).join(" AND ");
    const t0 = performance.now();
    expect(parseRunFilter(big)).toHaveLength(2000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
