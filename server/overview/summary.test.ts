import { describe, expect, it } from "vitest";
import { suggestScorecards, type OverviewForecast } from "./summary";

const f = (name: string, kind: string, truthPath: string, members = 1): OverviewForecast => ({
  forecastId: `f-${name}`,
  scoreRunId: `s-${name}`,
  name,
  kind,
  members,
  runId: null,
  truthPath,
  rmse: {},
});

describe("suggestScorecards", () => {
  it("pairs each deterministic model with persistence and the second model with the first, per truth", () => {
    // newest first, as the overview lists them
    const list = [f("mlp", "model", "/t.zarr"), f("ens", "model", "/t.zarr", 4), f("pers", "persistence", "/t.zarr"), f("gnn", "model", "/t.zarr"), f("clim", "climatology", "/t.zarr")];
    expect(suggestScorecards(list).map((c) => `${c.experiment}>${c.reference}:${c.why}`)).toEqual([
      "gnn>pers:model vs persistence",
      "mlp>pers:model vs persistence",
      "mlp>gnn:model B vs model A",
    ]);
  });

  it("never pairs forecasts verified against different truths, and needs a persistence run for the first kind", () => {
    const list = [f("a", "model", "/one.zarr"), f("b", "model", "/two.zarr"), f("p", "persistence", "/two.zarr")];
    const cards = suggestScorecards(list);
    expect(cards).toEqual([{ experimentScoreRunId: "s-b", referenceScoreRunId: "s-p", experiment: "b", reference: "p", why: "model vs persistence" }]);
  });
});
