import { describe, expect, it } from "vitest";
import { groupMetricKeys, parseAnemoiMetricKey } from "@/lib/tracking/metric-keys";

describe("parseAnemoiMetricKey", () => {
  it("recognises variable/lead keys with and without a dataset", () => {
    expect(parseAnemoiMetricKey("val_mse_metric/sfc_2t/1")).toEqual({
      key: "val_mse_metric/sfc_2t/1",
      prefix: "val_mse_metric",
      dataset: null,
      variable: "sfc_2t",
      lead: { label: "1", unit: "steps", value: 1 },
      variant: null,
    });
    expect(parseAnemoiMetricKey("val_mse_metric/era5/z_500/6h")).toMatchObject({
      dataset: "era5",
      variable: "z_500",
      lead: { label: "6h", unit: "hours", value: 6 },
    });
    expect(parseAnemoiMetricKey("val_out_hres_mse_metric/sfc_10u/1_scale_0")).toMatchObject({
      prefix: "val_out_hres_mse_metric",
      variable: "sfc_10u",
      lead: { label: "1", unit: "steps", value: 1 },
      variant: "scale_0",
    });
  });

  it("rejects other keys", () => {
    for (const k of [
      "train_loss",
      "val_mse_metric",
      "val_mse_metric/sfc_2t",
      "val_out_hres_mse_metric/out_hres/all_scale_0",
      "system/gpu_0_utilization_percentage",
      "val_mse/sfc_2t/1",
      "val_mse_metric//1",
      "val_mse_metric/a/b/c/1",
      "val_mse_metric/sfc_2t/x",
    ]) {
      expect(parseAnemoiMetricKey(k)).toBeNull();
    }
  });
});

describe("groupMetricKeys", () => {
  it("builds a variable × lead matrix and generic sections", () => {
    const keys = [
      "val_mse_metric/sfc_2t/2",
      "val_mse_metric/sfc_10u/1",
      "val_mse_metric/sfc_2t/1",
      "val_mse_metric/all/1",
      "val_mse_metric/sfc_2t/10",
      "system/gpu_0_utilization_percentage",
      "system/cpu_utilization_percentage",
      "train_wmse_loss_step",
      "lr-AdamW",
      "val_wmse_loss_epoch",
      "val_mse_metric/sfc_2t/1", // duplicate
    ];
    const g = groupMetricKeys(keys);
    expect(g.matrices).toHaveLength(1);
    const m = g.matrices[0];
    expect(m.id).toBe("val_mse_metric");
    expect(m.variables).toEqual(["all", "sfc_2t", "sfc_10u"]);
    expect(m.leads.map((l) => l.label)).toEqual(["1", "2", "10"]);
    expect(m.cells).toEqual([
      ["val_mse_metric/all/1", null, null],
      ["val_mse_metric/sfc_2t/1", "val_mse_metric/sfc_2t/2", "val_mse_metric/sfc_2t/10"],
      ["val_mse_metric/sfc_10u/1", null, null],
    ]);
    expect(m.keys).toHaveLength(5);
    expect(g.sections).toEqual([
      { name: "", keys: ["lr-AdamW", "train_wmse_loss_step", "val_wmse_loss_epoch"] },
      { name: "system", keys: ["system/cpu_utilization_percentage", "system/gpu_0_utilization_percentage"] },
    ]);
  });

  it("separates datasets and variants; hours sort numerically after steps", () => {
    const g = groupMetricKeys([
      "val_mse_metric/era5/sfc_2t/12h",
      "val_mse_metric/era5/sfc_2t/6h",
      "val_mse_metric/cerra/sfc_2t/6h",
      "val_out_hres_mse_metric/sfc_10u/1_scale_0",
      "val_out_hres_mse_metric/sfc_10u/1_scale_1",
      "val_out_hres_mse_metric/out_hres/all_scale_0",
    ]);
    expect(g.matrices.map((m) => m.id)).toEqual([
      "val_mse_metric/cerra",
      "val_mse_metric/era5",
      "val_out_hres_mse_metric#scale_0",
      "val_out_hres_mse_metric#scale_1",
    ]);
    const era5 = g.matrices[1];
    expect(era5.dataset).toBe("era5");
    expect(era5.leads).toEqual([
      { label: "6h", unit: "hours", value: 6 },
      { label: "12h", unit: "hours", value: 12 },
    ]);
    expect(g.matrices[2].variant).toBe("scale_0");
    expect(g.sections).toEqual([{ name: "val_out_hres_mse_metric", keys: ["val_out_hres_mse_metric/out_hres/all_scale_0"] }]);
    const mixed = groupMetricKeys(["a_metric/v/6h", "a_metric/v/2"]).matrices[0];
    expect(mixed.leads.map((l) => l.label)).toEqual(["2", "6h"]);
  });

  it("empty input", () => {
    expect(groupMetricKeys([])).toEqual({ matrices: [], sections: [] });
  });
});
