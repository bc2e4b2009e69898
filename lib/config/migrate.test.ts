import { describe, expect, it } from "vitest";
import { CURRENT_CONFIG_VERSION, migrateConfig, MIGRATIONS, MigrationError } from "./migrate";
import { parseYamlConfig } from "./yaml-source";
import { collectProvenance, formatOrigin, toPlain } from "./tree";

const v1 = `config_version: 1
hardware:
  paths: {data: /d, output: /o}
  num_gpus_per_node: 4
  accelerator: gpu
training:
  rollout: {start: 1, max: 12, epoch_increment: 1}
  lr: {rate: 0.000625, warmup: 1000, min: 3.0e-7, iterations: 300000}
`;

describe("config migrations", () => {
  it("has a contiguous chain of steps up to the current version", () => {
    expect(CURRENT_CONFIG_VERSION).toBe(3);
    expect(MIGRATIONS.map((s) => [s.from, s.to])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it("v1→v2 renames the hardware group to system", () => {
    const tree = parseYamlConfig(v1, "old.yaml");
    const notes: string[] = [];
    MIGRATIONS[0].apply(tree, (n) => notes.push(n));
    expect((toPlain(tree) as Record<string, unknown>).system).toEqual({ paths: { data: "/d", output: "/o" }, hardware: { num_gpus_per_node: 4, accelerator: "gpu" } });
    expect(tree.entries.has("hardware")).toBe(false);
    expect(notes).toEqual(["hardware.paths → system.paths", "hardware.num_gpus_per_node → system.hardware.num_gpus_per_node", "hardware.accelerator → system.hardware.accelerator"]);
  });

  it("v2→v3 renames rollout.max and splits the lr mapping", () => {
    const tree = parseYamlConfig(v1, "old.yaml");
    MIGRATIONS[1].apply(tree, () => undefined);
    expect((toPlain(tree) as Record<string, unknown>).training).toEqual({
      rollout: { start: 1, epoch_increment: 1, maximum: 12 },
      lr: 0.000625,
      lr_schedule: { warmup_steps: 1000, min_lr: 3e-7, decay_steps: 300000 },
    });
  });

  it("migrates an old config end to end and records it in provenance", () => {
    const tree = parseYamlConfig(v1, "old.yaml");
    const result = migrateConfig(tree);
    expect(result).toMatchObject({ fromVersion: 1, toVersion: 3 });
    expect(result.notes[0]).toBe("v1→v2: group 'hardware' renamed to 'system' (paths stay at system.paths, the rest moves to system.hardware)");
    expect(result.notes).toContain("  v2→v3: training.lr.rate → training.lr");
    const prov = collectProvenance(tree);
    expect(formatOrigin(prov.get("system.paths.data")!)).toBe("old.yaml:3 [migration v1→v2: moved from hardware.paths]");
    expect(formatOrigin(prov.get("training.rollout.maximum")!)).toBe("old.yaml:7 [migration v2→v3: moved from training.rollout.max]");
    expect(formatOrigin(prov.get("config_version")!)).toBe("(implicit) [migrated from config_version 1]");
    expect((toPlain(tree) as Record<string, unknown>).config_version).toBe(3);
  });

  it("leaves current configs alone and rejects future or malformed versions", () => {
    const current = parseYamlConfig("config_version: 3\ntraining: {lr: 1}", "c.yaml");
    expect(migrateConfig(current)).toEqual({ fromVersion: 3, toVersion: 3, notes: [] });
    expect(() => migrateConfig(parseYamlConfig("config_version: 9", "c.yaml"))).toThrow(
      new MigrationError("config_version 9 is newer than this version of Isobar supports (3)"),
    );
    expect(() => migrateConfig(parseYamlConfig("config_version: two", "c.yaml"))).toThrow('config_version must be a positive integer, got "two"');
    expect(() => migrateConfig(parseYamlConfig("config_version: 1", "c.yaml"), [])).toThrow("No migration registered from config_version 1");
  });
});
