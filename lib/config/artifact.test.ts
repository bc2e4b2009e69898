import { describe, expect, it } from "vitest";
import { readConfigArtifact } from "./artifact";
import { collectProvenance, formatOrigin, toPlain } from "./tree";

const anemoi = {
  config: {
    data: { format: "zarr", frequency: "6h", timestep: "6h", forcing: ["lsm", "z"], diagnostic: ["tp"] },
    hardware: { num_gpus_per_node: 4, paths: { data: "/data" } },
    model: { num_channels: 512, processor: { _target_: "anemoi.models.layers.processor.GNNProcessor", num_layers: 16 } },
    training: {
      multistep_input: 2,
      rollout: { start: 1, epoch_increment: 0, max: 1 },
      lr: { rate: 6.25e-5, iterations: 300000, min: 3e-7, warmup: 1000 },
      gradient_clip: { val: 32.0, algorithm: "value" },
    },
  },
};

describe("config.json artifacts", () => {
  it("maps an anemoi-training config onto Isobar's layout", () => {
    const { flavour, tree, notes } = readConfigArtifact(JSON.stringify(anemoi), "run-1/config.json");
    expect(flavour).toBe("anemoi");
    expect(toPlain(tree)).toEqual({
      data: { format: "zarr", frequency: "6h", timestep: "6h", variables: { forcing: ["lsm", "z"], diagnostic: ["tp"] } },
      model: { num_channels: 512, processor: { _target_: "anemoi.models.layers.processor.GNNProcessor", num_layers: 16, type: "gnn" } },
      training: {
        multistep_input: 2,
        rollout: { start: 1, epoch_increment: 0, maximum: 1 },
        lr: 6.25e-5,
        gradient_clip: { algorithm: "value", value: 32 },
        lr_schedule: { warmup_steps: 1000, min_lr: 3e-7, decay_steps: 300000 },
      },
      config_version: 3,
      system: { hardware: { num_gpus_per_node: 4 }, paths: { data: "/data" } },
    });
    expect(notes[0]).toBe("read from an anemoi-training config");
    const prov = collectProvenance(tree);
    expect(formatOrigin(prov.get("training.lr")!)).toBe("run-1/config.json (training.lr.rate) [migration v2→v3: moved from training.lr.rate]");
    expect(formatOrigin(prov.get("system.paths.data")!)).toBe("run-1/config.json (hardware.paths.data) [migration v1→v2: moved from hardware.paths]");
  });

  it("maps anemoi ≥0.12 task settings", () => {
    const { tree } = readConfigArtifact(JSON.stringify({ task: { multistep_input: 3, timestep: "12h" }, training: {} }));
    expect(toPlain(tree)).toEqual({ training: { multistep_input: 3 }, data: { timestep: "12h" }, config_version: 3 });
  });

  it("reads Isobar's own artifact, migrating old versions", () => {
    const { flavour, tree } = readConfigArtifact(JSON.stringify({ config_version: 2, training: { rollout: { max: 4 } } }));
    expect(flavour).toBe("isobar");
    expect(toPlain(tree)).toEqual({ config_version: 3, training: { rollout: { maximum: 4 } } });
  });

  it("rejects files that are not configs", () => {
    expect(() => readConfigArtifact("{nope", "x.json")).toThrow(/^x\.json: invalid JSON/);
    expect(() => readConfigArtifact('{"hello": 1}')).toThrow("Not a recognised config artifact: no config_version and none of anemoi's groups");
  });
});
