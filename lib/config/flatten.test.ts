import { describe, expect, it } from "vitest";
import { decodeParamValue, encodeParamValue, flattenParams, FlattenError, paramBatches, unflattenParams, PARAM_VALUE_MAX } from "./flatten";
import type { ConfigObject } from "./tree";

const roundTrip = (config: ConfigObject) => unflattenParams(flattenParams(config).params);

describe("params flattening", () => {
  it("flattens mappings to dotted keys and keeps lists whole as JSON", () => {
    const { params } = flattenParams({
      training: { lr: 0.0001, rollout: { start: 1 }, swa: null, metrics: ["z_500", "t_850"] },
      data: { name: "era5", empty: {}, none: [] },
    });
    expect(params).toEqual([
      { key: "training.lr", value: "0.0001" },
      { key: "training.rollout.start", value: "1" },
      { key: "training.swa", value: "null" },
      { key: "training.metrics", value: '["z_500","t_850"]' },
      { key: "data.name", value: "era5" },
      { key: "data.empty", value: "{}" },
      { key: "data.none", value: "[]" },
    ]);
  });

  it("quotes strings that would read back as something else", () => {
    expect(encodeParamValue("2t")).toBe("2t");
    expect(encodeParamValue("1e-4")).toBe('"1e-4"');
    expect(encodeParamValue("42")).toBe('"42"');
    expect(encodeParamValue("null")).toBe('"null"');
    expect(encodeParamValue("true")).toBe('"true"');
    expect(encodeParamValue("[1]")).toBe('"[1]"');
    expect(encodeParamValue('"q"')).toBe('"\\"q\\""');
    expect(encodeParamValue(".inf")).toBe('".inf"');
    expect(encodeParamValue("")).toBe("");
    expect(encodeParamValue(Infinity)).toBe(".inf");
    expect(encodeParamValue(-0)).toBe("-0");
    expect(decodeParamValue("-.inf")).toBe(-Infinity);
    expect(decodeParamValue(".nan")).toBeNaN();
  });

  it("round-trips exactly: lists, nulls, number-looking strings, empties, keys with dots", () => {
    const config: ConfigObject = {
      a: { int: 3, float: 0.1, neg: -2.5e-9, str: "hello world", numstr: "3", sci: "1e-4", boolstr: "false", nullstr: "null", empty: "" },
      lists: { scalars: [1, "1", null, true], records: [{ name: "x", w: [1, 2] }, { name: "y" }], empty: [] },
      maps: { empty: {}, dotted: { "a.b": 1, c: 2 }, levels: { "500": 1, "850": 0.5 }, "with space": { k: 1 } },
      nothing: null,
      special: { inf: Infinity, ninf: -Infinity, zero: -0 },
    };
    const out = roundTrip(config);
    expect(out).toEqual(config);
    expect(Object.is((out.special as ConfigObject).zero, -0)).toBe(true);
    expect(flattenParams(config).params.find((p) => p.key === "maps.dotted")).toEqual({ key: "maps.dotted", value: '{"a.b":1,"c":2}' });
    expect(flattenParams(config).params.find((p) => p.key === "maps.levels.500")).toEqual({ key: "maps.levels.500", value: "1" });
  });

  it("never truncates silently: over-long values carry a marker and come back from the artifact", () => {
    const long = "x".repeat(7000);
    const config: ConfigObject = { data: { note: long, short: "ok" } };
    const { params, truncated } = flattenParams(config);
    expect(truncated).toEqual(["data.note"]);
    const param = params[0].value;
    expect(param.length).toBe(PARAM_VALUE_MAX);
    expect(param.endsWith("…[isobar:truncated 7000 chars; full value in config.json]")).toBe(true);
    expect(() => unflattenParams(params)).toThrow(new FlattenError("Param 'data.note' was truncated (7000 chars); its full value is only in the config.json artifact"));
    expect(unflattenParams(params, config)).toEqual(config);
    // A string that merely looks like the marker is quoted, so it reads back as itself.
    const lookalike = "a…[isobar:truncated 5 chars; full value in config.json]";
    expect(roundTrip({ s: lookalike })).toEqual({ s: lookalike });
  });

  it("keeps keys within 250 characters by logging deep mappings whole", () => {
    const k = "k".repeat(200);
    const config: ConfigObject = { group: { [k]: { inner: { [k]: 1 } } } };
    const { params } = flattenParams(config);
    expect(params.map((p) => p.key)).toEqual([`group.${k}.inner`]);
    expect(params.every((p) => p.key.length <= 250)).toBe(true);
    expect(unflattenParams(params)).toEqual(config);
  });

  it("batches params by at most 100", () => {
    const config: ConfigObject = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const batches = paramBatches(flattenParams(config).params);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches[2][49]).toEqual({ key: "p249", value: "249" });
  });

  it("rejects what it cannot represent", () => {
    expect(() => flattenParams({ "a.b": 1 })).toThrow('Cannot flatten config: top-level key "a.b" is not a plain param segment');
    expect(() => flattenParams({ a: [Infinity] })).toThrow("Cannot log param 'a': a non-finite number inside a list or mapping has no JSON form");
    expect(() => unflattenParams({ a: "1", "a.b": "2" })).toThrow("Params 'a' and 'a.b' conflict: 'a' is a value");
  });
});
