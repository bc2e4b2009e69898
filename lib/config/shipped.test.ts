import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fsSource } from "./fs-source";
import { groupOptions } from "./defaults-list";
import { loadConfig, loadConfigSweep } from "./load";
import { flattenParams, unflattenParams } from "./flatten";
import { formatOrigin, toPlain, type ConfigObject } from "./tree";
import { splitWords } from "./words";

const source = fsSource(fileURLToPath(new URL("../../config/", import.meta.url)), "config");

describe("shipped config/", () => {
  it("composes and validates train.yaml into a complete training config", () => {
    const { config, provenance } = loadConfig({ source, entry: "train", env: {} });
    expect(config.config_version).toBe(3);
    expect(config.data.dataset).toBe(".isobar/datasets/synthetic-o32-6h.zarr");
    expect(config.data.variables.prognostic).toContain("2t");
    expect(config.model.processor.type).toBe("gnn");
    expect(config.graph.file).toBe(".isobar/graphs/multiscale-icosahedral-r4.json");
    expect(config.training).toMatchObject({ lr: 6.25e-5, max_steps: 150000, rollout: { start: 1, maximum: 1, epoch_increment: 0 } });
    expect(config.diagnostics.plot.variables).toEqual(config.training.metrics);
    expect(config.system.hardware.num_threads).toBe(2);
    expect(formatOrigin(provenance.get("training.lr")!)).toBe("config/training/default.yaml:9");
    expect(formatOrigin(provenance.get("config_version")!)).toBe("config/train.yaml:12");
  });

  it("composes every option of every group and the smoke entry", () => {
    for (const group of ["data", "dataloader", "graph", "model", "training", "diagnostics", "system"]) {
      for (const option of groupOptions(source, group)) {
        expect(() => loadConfig({ source, entry: "train", overrides: [`${group}=${option}`], env: {} }), `${group}=${option}`).not.toThrow();
      }
    }
    const smoke = loadConfig({ source, entry: "smoke", env: { ISOBAR_HOME: "/tmp/iso", ISOBAR_THREADS: "4" } });
    expect(smoke.config.training).toMatchObject({ max_steps: 20, lr: 8e-7, rollout: { maximum: 12 }, lr_schedule: { warmup_steps: 100, min_lr: 3e-7 } });
    expect(smoke.config.dataloader.batch_size.training).toBe(1);
    expect(smoke.config.system.paths.checkpoints).toBe("/tmp/iso/runs/checkpoints");
    expect(smoke.config.system.hardware.num_threads).toBe(4);
  });

  it("expands a sweep into validated configs", () => {
    const runs = loadConfigSweep({ source, entry: "train", overrides: ["model=gnn,transformer", "training.lr=1e-3,1e-4"], env: {} });
    expect(runs.map((r) => [r.config.model.name, r.config.training.lr])).toEqual([
      ["gnn", 0.001],
      ["gnn", 0.0001],
      ["transformer", 0.001],
      ["transformer", 0.0001],
    ]);
  });

  it("round-trips the resolved config through MLflow params", () => {
    const { tree } = loadConfig({ source, entry: "train", overrides: ["data=era5-o96"], env: {} });
    const plain = toPlain(tree) as ConfigObject;
    const { params, truncated } = flattenParams(plain);
    expect(truncated).toEqual([]);
    expect(params.find((p) => p.key === "training.loss.variable_weights.10u")).toEqual({ key: "training.loss.variable_weights.10u", value: "0.1" });
    expect(params.find((p) => p.key === "training.precision")).toEqual({ key: "training.precision", value: '"32"' });
    expect(unflattenParams(params)).toEqual(plain);
  });

  it("turns activation checkpointing on in the shipped gnn, off in the acceptance recipe, and validates it", () => {
    const gnn = loadConfig({ source, entry: "train", overrides: ["model=gnn"], env: {} }).config.model;
    expect(gnn).toMatchObject({ activation_checkpointing: true, edge_chunks: 4 });
    expect(loadConfig({ source, entry: "acceptance", env: {} }).config.model).toMatchObject({ activation_checkpointing: false, edge_chunks: 1 });
    expect(loadConfig({ source, entry: "train", overrides: ["model=mlp"], env: {} }).config.model).toMatchObject({ activation_checkpointing: false, edge_chunks: 1 });
    expect(() => loadConfig({ source, entry: "train", overrides: ["model.edge_chunks=0"], env: {} })).toThrow("model.edge_chunks");
    expect(() => loadConfig({ source, entry: "train", overrides: ["model.activation_checkpointing=maybe"], env: {} })).toThrow("model.activation_checkpointing");
  });

  it("splits override sets like a shell", () => {
    expect(splitWords(`train model=gnn 'data.name="a b"' x=\\ y`)).toEqual(["train", "model=gnn", 'data.name="a b"', "x= y"]);
    expect(() => splitWords("train 'open")).toThrow("Unterminated ' quote");
  });
});
