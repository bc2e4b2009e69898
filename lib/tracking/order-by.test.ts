import { describe, expect, it } from "vitest";
import { OrderByError, SearchSyntaxError } from "@/lib/tracking/errors";
import { effectiveOrderBy, parseOrderBy, parseOrderByEntry } from "@/lib/tracking/order-by";
import { EXPERIMENT_SEARCH_SCHEMA } from "@/lib/tracking/search-schema";

function errorOf(entries: string[], experiments = false): OrderByError {
  try {
    parseOrderBy(entries, experiments ? EXPERIMENT_SEARCH_SCHEMA : undefined);
  } catch (e) {
    expect(e).toBeInstanceOf(OrderByError);
    expect(e).toBeInstanceOf(SearchSyntaxError);
    return e as OrderByError;
  }
  throw new Error(`expected ${JSON.stringify(entries)} to be rejected`);
}

describe("parseOrderBy", () => {
  it("parses entities, directions and defaults to ascending", () => {
    expect(parseOrderBy(["metrics.rmse ASC", "params.lr DESC", "attributes.start_time", "tags.x", "run_id desc"])).toEqual([
      { kind: "metric", key: "rmse", ascending: true },
      { kind: "param", key: "lr", ascending: false },
      { kind: "attribute", key: "start_time", ascending: true },
      { kind: "tag", key: "x", ascending: true },
      { kind: "attribute", key: "run_id", ascending: false },
    ]);
  });

  it("quoted and dotted keys, aliases", () => {
    expect(parseOrderByEntry('metrics."val mse" DESC')).toEqual({ kind: "metric", key: "val mse", ascending: false });
    expect(parseOrderByEntry("metrics.`val_mse_metric/sfc_2t/1`")).toEqual({ kind: "metric", key: "val_mse_metric/sfc_2t/1", ascending: true });
    expect(parseOrderByEntry("params.training.lr asc")).toEqual({ kind: "param", key: "training.lr", ascending: true });
    expect(parseOrderByEntry("created DESC")).toEqual({ kind: "attribute", key: "start_time", ascending: false });
    expect(parseOrderByEntry('"run name"')).toEqual({ kind: "attribute", key: "run_name", ascending: true });
    expect(parseOrderByEntry("  Status   Desc  ")).toEqual({ kind: "attribute", key: "status", ascending: false });
  });

  it("empty and missing lists", () => {
    expect(parseOrderBy([])).toEqual([]);
    expect(parseOrderBy(undefined)).toEqual([]);
    expect(parseOrderBy(null)).toEqual([]);
  });

  it("experiments: name, experiment_id and times; no metrics", () => {
    expect(parseOrderBy(["name DESC", "experiment_id", "attributes.creation_time", "last_update_time ASC"], EXPERIMENT_SEARCH_SCHEMA)).toEqual([
      { kind: "attribute", key: "name", ascending: false },
      { kind: "attribute", key: "experiment_id", ascending: true },
      { kind: "attribute", key: "creation_time", ascending: true },
      { kind: "attribute", key: "last_update_time", ascending: true },
    ]);
    expect(errorOf(["metrics.rmse"], true).detail).toBe("experiments cannot be sorted by metrics; expected attributes.");
    expect(errorOf(["tags.x"], true).detail).toBe("experiments cannot be sorted by tags; expected attributes.");
  });

  it("errors name the entry and point at the token", () => {
    expect(errorOf(["metrics.rmse ASC", "metrics.mae up"]).message).toBe(
      "Invalid order_by[1] at column 13: expected ASC, DESC or the end of the entry after 'metrics.mae', found 'up'\n  metrics.mae up\n              ^",
    );
    expect(errorOf(["metrics.a ASC DESC"]).detail).toBe("expected ASC, DESC or the end of the entry after 'metrics.a ASC', found 'DESC'");
    expect(errorOf(["datasets.name"]).detail).toBe("runs cannot be sorted by datasets; expected metrics., params., tags. or attributes.");
    expect(errorOf(["foo"]).detail).toBe(
      "unknown attribute 'foo'; valid attributes are start_time, end_time, run_id, run_name, status, user_id, artifact_uri, lifecycle_stage (for a metric, param or tag write metrics.foo, params.foo or tags.foo)",
    );
    expect(errorOf([""]).detail).toBe("expected a key such as metrics.rmse DESC, found end of input");
    expect(errorOf(["metrics.a/b"]).detail).toBe("unexpected character '/' in key 'a'; quote keys containing special characters, e.g. metrics.`a/b`");
    expect(errorOf(["metrics.rmse, params.lr"]).detail).toBe("expected ASC, DESC or the end of the entry after 'metrics.rmse', found ','");
    expect(errorOf(["x", "y"]).entry).toBe(0);
  });

  it("rejects the same key twice", () => {
    const e = errorOf(["metrics.rmse", "metrics.rmse DESC"]);
    expect(e.entry).toBe(1);
    expect(e.detail).toBe("'metrics.rmse DESC' sorts on a key already used earlier in order_by");
    expect(errorOf(["created", "start_time DESC"]).entry).toBe(1);
    // different entities with the same key are fine
    expect(parseOrderBy(["metrics.x", "params.x"])).toHaveLength(2);
  });

  it("never throws anything but OrderByError", () => {
    for (const s of ["`", "'", "((", "metrics.", "🙂", "\u0000", "a b c", "..", "1", "-", "__proto__", "toString DESC"]) {
      expect(() => parseOrderByEntry(s)).toThrow(OrderByError);
    }
  });
});

describe("effectiveOrderBy", () => {
  it("appends MLflow's tie-breakers unless already present", () => {
    expect(effectiveOrderBy([])).toEqual([
      { kind: "attribute", key: "start_time", ascending: false },
      { kind: "attribute", key: "run_id", ascending: true },
    ]);
    expect(effectiveOrderBy(parseOrderBy(["metrics.rmse", "start_time ASC"]))).toEqual([
      { kind: "metric", key: "rmse", ascending: true },
      { kind: "attribute", key: "start_time", ascending: true },
      { kind: "attribute", key: "run_id", ascending: true },
    ]);
    expect(effectiveOrderBy([], EXPERIMENT_SEARCH_SCHEMA)).toEqual([
      { kind: "attribute", key: "creation_time", ascending: false },
      { kind: "attribute", key: "experiment_id", ascending: true },
    ]);
  });
});
