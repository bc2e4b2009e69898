import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkConfig, ConfigValidationError, knownKeysAt } from "./validate";
import { parseYamlConfig } from "./yaml-source";
import { memorySource } from "./source";
import { loadConfig } from "./load";
import { configSchema } from "./schema";

const schema = z.strictObject({
  training: z.strictObject({
    lr: z.number().positive(),
    optimizer: z.enum(["adamw", "sgd"]),
    rollout: z.strictObject({ start: z.int(), maximum: z.int() }),
  }),
  model: z.strictObject({
    processor: z.discriminatedUnion("type", [z.strictObject({ type: z.literal("gnn"), layers: z.int() }), z.strictObject({ type: z.literal("mlp") })]),
  }),
});

describe("validation", () => {
  it("reports every problem at once with path, value, origin and suggestions", () => {
    const tree = parseYamlConfig(
      `training:
  lr: fast
  optimiser: adamw
  optimizer: adamx
  rollout: {start: 1.5}
model:
  processor: {type: gnx, layers: 2}
`,
      "c.yaml",
    );
    const result = checkConfig(tree, schema);
    if (result.ok) throw new Error("expected issues");
    expect(new ConfigValidationError(result.issues).message).toBe(
      [
        "Invalid config (6 errors):",
        '  training.lr: expected a number, got "fast" [c.yaml:2]',
        `  training.optimizer: expected one of "adamw", "sgd", got "adamx" (did you mean 'adamw'?) [c.yaml:4]`,
        "  training.rollout.start: expected an integer, got 1.5 [c.yaml:5]",
        "  training.rollout.maximum: required key is missing [c.yaml:5]",
        "  training.optimiser: unknown key (did you mean 'optimizer'?) [c.yaml:3]",
        `  model.processor.type: expected one of "gnn", "mlp", got "gnx" (did you mean 'gnn'?) [c.yaml:7]`,
      ].join("\n"),
    );
    expect(result.issues[0]).toMatchObject({ path: "training.lr", value: "fast", origin: { file: "c.yaml", line: 2 } });
  });

  it("knows the keys of nested and union schemas for suggestions", () => {
    expect(knownKeysAt(schema, ["training", "rollout"])).toEqual(["start", "maximum"]);
    expect(knownKeysAt(schema, ["model", "processor"]).sort()).toEqual(["layers", "type"]);
  });

  it("points type errors from overrides at the override", () => {
    const source = memorySource({ "train.yaml": "defaults:\n  - training: default\nconfig_version: 3\n", "training/default.yaml": "lr: 0.1\n" });
    const run = () => loadConfig({ source, entry: "train", overrides: ["training.lr=abc", "+training.extra=1"] });
    expect(run).toThrow(ConfigValidationError);
    try {
      run();
    } catch (err) {
      const issues = (err as ConfigValidationError).issues.map((i) => `${i.path} ${i.message} ${i.origin?.override ?? i.origin?.file}`);
      expect(issues).toContain("training.lr expected a number training.lr=abc");
      expect(issues).toContain("training.extra unknown key +training.extra=1");
      expect(issues).toContain("data required key is missing config/train.yaml");
      expect(issues).toContain(`training.precision required key is missing (one of "32", "16-mixed", "bf16-mixed") config/training/default.yaml`);
      expect(issues).toHaveLength(21);
    }
  });

  it("enforces cross-field rules of the Isobar schema", () => {
    const r = configSchema.shape.training.shape.rollout.safeParse({ start: 3, maximum: 2, epoch_increment: 0 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ["maximum"], message: "must not be less than rollout.start" });
  });
});
