/**
 * zod schemas of the resolved training config, one per group. Objects are strict:
 * unknown keys are errors (with a "did you mean" from validate.ts).
 */
import { z } from "zod";
import { CURRENT_CONFIG_VERSION } from "./migrate";

const posInt = z.int().positive();
const nonNegInt = z.int().nonnegative();
/** A duration like anemoi's: 6h, 1d, 30m. */
const duration = z.string().regex(/^\d+[smhd]$/i, "expected a duration such as 6h or 1d");
/** A date (YYYY-MM-DD, optionally with a time) or a bare year. */
const dateLike = z.union([z.int().min(1800).max(2300), z.string().regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}){0,2})?$/, "expected a date YYYY-MM-DD or a year")]);

export const dataSchema = z.strictObject({
  name: z.string(),
  dataset: z.string().min(1),
  frequency: duration,
  timestep: duration,
  resolution: z.string().nullable(),
  variables: z.strictObject({
    prognostic: z.array(z.string()).min(1),
    forcing: z.array(z.string()),
    diagnostic: z.array(z.string()),
  }),
  normalizer: z.strictObject({
    default: z.enum(["mean-std", "min-max", "max", "none"]),
    per_variable: z.record(z.string(), z.enum(["mean-std", "min-max", "max", "none"])),
  }),
});

const dateRange = z
  .strictObject({ start: dateLike, end: dateLike })
  .refine((r) => String(r.start) <= String(r.end), { message: "must not be before start", path: ["end"] });

export const dataloaderSchema = z.strictObject({
  batch_size: z.strictObject({ training: posInt, validation: posInt, test: posInt }),
  num_workers: z.strictObject({ training: nonNegInt, validation: nonNegInt, test: nonNegInt }),
  training: dateRange,
  validation: dateRange,
  test: dateRange,
});

const knnEdges = z.strictObject({ method: z.literal("knn"), num_nearest_neighbours: posInt });
const cutoffEdges = z.strictObject({ method: z.literal("cutoff"), cutoff_factor: z.number().positive(), max_num_neighbours: posInt });
const edges = z.discriminatedUnion("method", [knnEdges, cutoffEdges]);

export const graphSchema = z.strictObject({
  name: z.string(),
  hidden: z.strictObject({
    type: z.enum(["icosahedral", "hexagonal", "latlon"]),
    resolution: nonNegInt,
  }),
  encoder: edges,
  decoder: edges,
  processor: z.discriminatedUnion("method", [
    z.strictObject({ method: z.literal("multiscale"), x_hops: posInt }),
    z.strictObject({ method: z.literal("knn"), num_nearest_neighbours: posInt }),
  ]),
  node_attributes: z.strictObject({ area_weight: z.enum(["spherical", "planar", "cosine-latitude"]) }),
  file: z.string().nullable(),
  overwrite: z.boolean(),
});

export const modelSchema = z.strictObject({
  name: z.string(),
  num_channels: posInt,
  activation: z.enum(["gelu", "silu", "relu", "tanh"]),
  trainable_size: z.strictObject({ data: nonNegInt, hidden: nonNegInt }),
  /** Recompute each block in the backward pass instead of keeping its activations (docs/models.md). */
  activation_checkpointing: z.boolean().default(false),
  /** Encoder and decoder edges in this many chunks, each its own (checkpointed) block. */
  edge_chunks: posInt.default(1),
  processor: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("gnn"), num_layers: posInt, num_chunks: posInt, mlp_extra_layers: nonNegInt }),
    z.strictObject({
      type: z.literal("transformer"),
      num_layers: posInt,
      num_chunks: posInt,
      num_heads: posInt,
      window_size: posInt.nullable(),
      mlp_hidden_ratio: posInt,
    }),
    z.strictObject({ type: z.literal("mlp"), hidden_dims: z.array(posInt).min(1) }),
  ]),
  dropout: z.number().min(0).max(1),
});

const levelScaler = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("relu"), slope: z.number().nonnegative(), minimum: z.number().nonnegative() }),
  z.strictObject({ type: z.literal("linear"), slope: z.number().nonnegative(), intercept: z.number() }),
  z.strictObject({ type: z.literal("constant") }),
  z.strictObject({ type: z.literal("explicit"), weights: z.record(z.string().regex(/^\d+$/, "expected a pressure level in hPa"), z.number().nonnegative()) }),
]);

export const trainingSchema = z.strictObject({
  seed: nonNegInt,
  multistep_input: posInt,
  multistep_output: posInt,
  max_steps: posInt,
  max_minutes: z.number().positive().nullable(),
  val_every_n_steps: posInt,
  precision: z.enum(["32", "16-mixed", "bf16-mixed"]),
  lr: z.number().positive(),
  lr_schedule: z.strictObject({
    type: z.enum(["cosine", "constant", "linear"]),
    warmup_steps: nonNegInt,
    min_lr: z.number().nonnegative(),
    decay_steps: posInt.nullable(),
  }),
  optimizer: z.strictObject({
    name: z.enum(["adamw", "adam", "sgd"]),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]),
    weight_decay: z.number().nonnegative(),
    eps: z.number().positive(),
  }),
  gradient_clip: z.strictObject({ value: z.number().positive(), algorithm: z.enum(["norm", "value"]) }),
  rollout: z
    .strictObject({
      start: posInt,
      maximum: posInt,
      epoch_increment: nonNegInt,
      /** Grow the rollout by epoch_increment every this many steps instead of every epoch (null/absent: per epoch). */
      every_n_steps: posInt.nullable().optional(),
    })
    .refine((r) => r.start <= r.maximum, { message: "must not be less than rollout.start", path: ["maximum"] }),
  loss: z.strictObject({
    name: z.enum(["mse", "mae", "huber"]),
    area_weights: z.boolean(),
    variable_weights: z.record(z.string(), z.number().nonnegative()),
    pressure_level_weights: levelScaler,
  }),
  swa: z.strictObject({ enabled: z.boolean(), lr: z.number().positive() }).optional(),
  metrics: z.array(z.string()),
});

export const diagnosticsSchema = z.strictObject({
  log: z.strictObject({
    every_n_steps: posInt,
    interval_minutes: z.number().positive().nullable(),
    level: z.enum(["debug", "info", "warning", "error"]),
  }),
  checkpoint: z.strictObject({ every_n_steps: posInt, keep_last: posInt }),
  plot: z.strictObject({ enabled: z.boolean(), every_n_steps: posInt, variables: z.array(z.string()) }),
  tracker: z.strictObject({
    type: z.enum(["mlflow", "none"]),
    experiment: z.string().min(1),
    run_name: z.string().nullable(),
  }),
});

export const systemSchema = z.strictObject({
  paths: z.strictObject({
    root: z.string().min(1),
    data: z.string().min(1),
    graphs: z.string().min(1),
    output: z.string().min(1),
    checkpoints: z.string().min(1),
    logs: z.string().min(1),
  }),
  hardware: z.strictObject({
    accelerator: z.enum(["cpu", "gpu", "auto"]),
    num_threads: posInt,
    num_gpus_per_node: nonNegInt,
    num_nodes: posInt,
    num_gpus_per_model: posInt,
  }),
});

export const configSchema = z.strictObject({
  config_version: z.literal(CURRENT_CONFIG_VERSION),
  data: dataSchema,
  dataloader: dataloaderSchema,
  graph: graphSchema,
  model: modelSchema,
  training: trainingSchema,
  diagnostics: diagnosticsSchema,
  system: systemSchema,
});

export type IsobarConfig = z.infer<typeof configSchema>;
