import { describe, expect, it } from "vitest";
import * as tracking from "@/lib/tracking";

describe("lib/tracking index", () => {
  it("exports the public API", () => {
    for (const name of [
      "parseRunFilter",
      "parseExperimentFilter",
      "parseSearchFilter",
      "parseOrderBy",
      "effectiveOrderBy",
      "encodePageToken",
      "decodePageToken",
      "MlrunsReader",
      "minMaxDownsample",
      "lttbDownsample",
      "groupMetricKeys",
      "SearchSyntaxError",
    ]) {
      expect(typeof (tracking as Record<string, unknown>)[name]).toBe("function");
    }
    expect(() => tracking.parseRunFilter("x")).toThrow(tracking.SearchSyntaxError);
  });
});
