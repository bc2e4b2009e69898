import { z } from "zod";

export const ActivationSchema = z.enum(["gelu", "silu", "relu", "tanh"]);
export type Activation = z.infer<typeof ActivationSchema>;

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/**
 * Model options, shaped like the training config's `model` group (extra keys such as `name`,
 * `dropout` or the processor's `num_chunks` are accepted and ignored). Processors: `gnn`
 * (encoder–processor–decoder message passing), `transformer` (the same encoder and decoder with a
 * graph-transformer processor) and `mlp` (per-point baseline, no graph).
 */
export const ModelSpecSchema = z.object({
  num_channels: posInt,
  activation: ActivationSchema.default("gelu"),
  trainable_size: z.object({ data: nonNegInt, hidden: nonNegInt }).default({ data: 0, hidden: 0 }),
  /**
   * Recompute each block (embeddings, encoder, every processor layer, decoder) in the backward
   * pass instead of keeping its activations: training memory no longer grows with depth, for
   * about one extra forward pass of compute. Forward values and gradients are unchanged.
   */
  activation_checkpointing: z.boolean().default(false),
  /**
   * The encoder's and decoder's edges are processed in this many contiguous chunks, each its own
   * block (so, with activation checkpointing, its own recompute): the backward pass then holds one
   * chunk's edge activations at a time. Results equal the unchunked ones up to rounding.
   */
  edge_chunks: posInt.default(1),
  processor: z.discriminatedUnion("type", [
    z.object({ type: z.literal("gnn"), num_layers: posInt, mlp_extra_layers: nonNegInt.default(0) }),
    /** Graph transformer: multi-head attention over the processor graph's edges (softmax per receiving node). */
    z.object({ type: z.literal("transformer"), num_layers: posInt, num_heads: posInt, mlp_hidden_ratio: posInt.default(4) }),
    z.object({ type: z.literal("mlp"), hidden_dims: z.array(posInt).min(1) }),
  ]),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;

/** Shape of a model's input and output (all normalised). */
export const ModelIoSchema = z.object({
  /** Past states in the input (anemoi's multistep_input). */
  multistepInput: posInt,
  /** Prognostic variables: in the input and (as tendencies) in the output. */
  numPrognostic: posInt,
  /** Forcing variables: input only, given at every input time. */
  numForcing: nonNegInt,
});
export type ModelIo = z.infer<typeof ModelIoSchema>;
export type ModelIoInput = z.input<typeof ModelIoSchema>;

/** Input variables per time: prognostic then forcing. */
export const inputChannels = (io: ModelIo) => io.numPrognostic + io.numForcing;
