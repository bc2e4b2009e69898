import { z } from "zod";
import type { ForecastModel } from "./model";
import type { NamedArray } from "./params";
import { inputChannels } from "./spec";
import { tf } from "./tf";

export const TrainerOptionsSchema = z.object({
  /** Peak learning rate. */
  lr: z.number().positive(),
  /** Linear warm-up from 0 over this many steps. */
  warmupSteps: z.number().int().nonnegative().default(0),
  /** Cosine decay from lr to minLr over this many steps after the warm-up (then constant). */
  decaySteps: z.number().int().positive(),
  minLr: z.number().nonnegative().default(0),
  betas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
  /** Decoupled (AdamW) weight decay, applied to weight matrices and node embeddings, not to biases and norms. */
  weightDecay: z.number().nonnegative().default(0),
  /** Clip the global gradient norm to this value (null: no clipping). */
  clipNorm: z.number().positive().nullable().default(null),
});
export type TrainerOptions = z.infer<typeof TrainerOptionsSchema>;
export type TrainerOptionsInput = z.input<typeof TrainerOptionsSchema>;

/** Learning rate at a (0-based) step: linear warm-up, then cosine to minLr over decaySteps. */
export function learningRate(step: number, o: Pick<TrainerOptions, "lr" | "warmupSteps" | "decaySteps" | "minLr">): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const t = Math.min(1, (step - o.warmupSteps) / o.decaySteps);
  return o.minLr + 0.5 * (o.lr - o.minLr) * (1 + Math.cos(Math.PI * t));
}

export interface LossWeights {
  /** Per grid point, e.g. area weights with mean 1 (length N); null: uniform. */
  area: Float32Array | null;
  /** Per prognostic variable (length P); null: all 1. */
  variables: Float32Array | null;
}

export interface StepResult {
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
}

export interface OptimizerState {
  step: number;
  m: NamedArray[];
  v: NamedArray[];
}

/**
 * Weighted MSE training with AdamW (decoupled weight decay, bias-corrected moments), warm-up +
 * cosine learning rate and global-norm gradient clipping. Samples are [B, T, N, V] normalised
 * inputs and [B, N, P] normalised tendency targets. Deterministic: every op runs in a fixed order.
 */
export class Trainer {
  readonly options: TrainerOptions;
  step = 0;
  private readonly weights: tf.Tensor;
  /** Adam moments per parameter (plain arrays: the update runs in JS, in a fixed order). */
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(readonly model: ForecastModel, options: TrainerOptionsInput, lossWeights: LossWeights = { area: null, variables: null }) {
    this.options = TrainerOptionsSchema.parse(options);
    const n = model.numPoints, p = model.io.numPrognostic;
    if (lossWeights.area && lossWeights.area.length !== n) throw new Error(`area weights: expected ${n} values, got ${lossWeights.area.length}`);
    if (lossWeights.variables && lossWeights.variables.length !== p) throw new Error(`variable weights: expected ${p} values, got ${lossWeights.variables.length}`);
    const w = new Float32Array(n * p);
    for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) w[i * p + k] = (lossWeights.area ? lossWeights.area[i] : 1) * (lossWeights.variables ? lossWeights.variables[k] : 1);
    this.weights = tf.keep(tf.tensor(w, [1, n, p]));
    for (const name of model.params.names()) {
      const size = model.params.vars.get(name)!.size;
      this.m.set(name, new Float32Array(size));
      this.v.set(name, new Float32Array(size));
    }
  }

  private tensors(input: Float32Array, target: Float32Array, batch: number): [tf.Tensor, tf.Tensor] {
    const io = this.model.io, n = this.model.numPoints;
    return [tf.tensor(input, [batch, io.multistepInput, n, inputChannels(io)]), tf.tensor(target, [batch, n, io.numPrognostic])];
  }

  private lossOf(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
    return tf.mean(tf.mul(this.weights, tf.squaredDifference(this.model.apply(x), y)));
  }

  /** Loss without a parameter update (validation). */
  evaluate(input: Float32Array, target: Float32Array, batch = 1): number {
    return tf.tidy(() => {
      const [x, y] = this.tensors(input, target, batch);
      return this.lossOf(x, y).dataSync()[0];
    });
  }

  /** One optimisation step; returns the loss before the update. */
  trainStep(input: Float32Array, target: Float32Array, batch = 1): StepResult {
    return this.optimise(() => {
      const [x, y] = this.tensors(input, target, batch);
      return () => this.lossOf(x, y);
    });
  }

  /**
   * Rollout loss: the mean over R autoregressive steps of the single-step loss, each prediction
   * fed back as the next input. The loss of step r compares the predicted and true normalised
   * states, divided by b (so r = 1 equals the single-step tendency loss).
   * @param states  [B, T, N, P] normalised prognostic states (the initial window)
   * @param forcings [B, T + R − 1, N, F] normalised forcings for every input time
   * @param truth   [B, R, N, P] normalised true states after steps 1..R
   * @param toState x̃[t+1] = x̃[t] + a + b·y per prognostic variable: a = tendency_mean/std, b = tendency_std/std
   */
  rolloutLoss(states: tf.Tensor, forcings: tf.Tensor, truth: tf.Tensor, toState: { a: Float32Array; b: Float32Array }): tf.Scalar {
    const [B, T, N, P] = states.shape;
    const R = truth.shape[1] as number;
    const F = this.model.io.numForcing;
    const a = tf.tensor(toState.a, [1, 1, P]), b = tf.tensor(toState.b, [1, 1, P]);
    let window = tf.unstack(states, 1); // T × [B, N, P]
    let total = tf.scalar(0);
    for (let r = 0; r < R; r++) {
      const frc = F > 0 ? tf.slice(forcings, [0, r, 0, 0], [B, T, N, F]) : null;
      const x = tf.stack(window.map((s, t) => (frc ? tf.concat([s, tf.squeeze(tf.slice(frc, [0, t, 0, 0], [B, 1, N, F]), [1])], 2) : s)), 1);
      const y = this.model.apply(x);
      const next = tf.add(window[T - 1], tf.add(a, tf.mul(b, y)));
      const target = tf.squeeze(tf.slice(truth, [0, r, 0, 0], [B, 1, N, P]), [1]);
      total = tf.add(total, tf.mean(tf.mul(this.weights, tf.square(tf.div(tf.sub(next, target), b)))));
      window = [...window.slice(1), next];
    }
    return tf.div(total, tf.scalar(R));
  }

  /** One optimisation step on the rollout loss (see rolloutLoss); arrays as described there. */
  trainRolloutStep(
    batch: { states: Float32Array; forcings: Float32Array; truth: Float32Array; batch: number; rollout: number },
    toState: { a: Float32Array; b: Float32Array },
  ): StepResult {
    const io = this.model.io, n = this.model.numPoints, T = io.multistepInput, P = io.numPrognostic, F = io.numForcing;
    const { batch: B, rollout: R } = batch;
    return this.optimise(() => {
      const s = tf.tensor(batch.states, [B, T, n, P]);
      const f = tf.tensor(batch.forcings, [B, T + R - 1, n, F]);
      const y = tf.tensor(batch.truth, [B, R, n, P]);
      return () => this.rolloutLoss(s, f, y, toState);
    });
  }

  /** Gradients of the loss, global-norm clipping and the AdamW update. */
  private optimise(prepare: () => () => tf.Scalar): StepResult {
    const o = this.options;
    const lr = learningRate(this.step, o);
    const t = this.step + 1;
    const names = this.model.params.names();
    const vars = names.map((k) => this.model.params.vars.get(k)!);
    const { loss, grads } = tf.tidy(() => {
      const lossFn = prepare();
      const r = tf.variableGrads(lossFn, vars);
      return { loss: r.value.dataSync()[0], grads: vars.map((v) => r.grads[v.name].dataSync() as Float32Array) };
    });
    // Global gradient norm, clipping and AdamW, in JS (a few ms even for 10^6 parameters, and it
    // saves ~12 kernel launches per parameter tensor).
    let sq = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const gradNorm = Math.sqrt(sq);
    const scale = o.clipNorm !== null && gradNorm > o.clipNorm ? o.clipNorm / (gradNorm + 1e-6) : 1;
    const [b1, b2] = o.betas;
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    for (let k = 0; k < names.length; k++) {
      const p = vars[k];
      const g = grads[k];
      const m = this.m.get(names[k])!, v = this.v.get(names[k])!;
      const values = p.dataSync() as Float32Array;
      const next = new Float32Array(values.length);
      const decay = o.weightDecay > 0 && p.rank >= 2 ? lr * o.weightDecay : 0;
      for (let i = 0; i < values.length; i++) {
        const gi = g[i] * scale;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        next[i] = values[i] - decay * values[i] - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + o.eps);
      }
      tf.tidy(() => p.assign(tf.tensor(next, p.shape)));
    }
    this.step = t;
    return { step: t, loss, gradNorm, lr };
  }

  exportState(): OptimizerState {
    const dump = (map: Map<string, Float32Array>) =>
      [...map.keys()].sort().map((name) => ({ name, shape: [...this.model.params.vars.get(name)!.shape], data: map.get(name)!.slice() }));
    return { step: this.step, m: dump(this.m), v: dump(this.v) };
  }

  importState(s: OptimizerState): void {
    for (const [list, map] of [[s.m, this.m], [s.v, this.v]] as const) {
      for (const a of list) {
        const cur = map.get(a.name);
        if (!cur || cur.length !== a.data.length) throw new Error(`optimizer state: parameter ${a.name} does not match the model`);
        cur.set(a.data);
      }
    }
    this.step = s.step;
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/**
 * Loss weight per variable from the training config's `loss` section: the variable's own weight
 * (by name, or by its base name before `_<level>`, default 1) times the pressure-level weight
 * max(minimum, slope·p) for variables named `<base>_<hPa>`.
 */
export function variableLossWeights(
  variables: string[],
  weights: Record<string, number>,
  levels: { type: "relu"; slope: number; minimum: number } | { type: "constant" } | null = null,
): Float32Array {
  return Float32Array.from(variables, (name) => {
    const m = /^(.*)_(\d+)$/.exec(name);
    const base = m ? m[1] : name;
    const w = weights[name] ?? weights[base] ?? 1;
    const lw = m && levels?.type === "relu" ? Math.max(levels.minimum, levels.slope * Number(m[2])) : 1;
    return w * lw;
  });
}
