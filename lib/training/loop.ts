import { mulberry32, type ForecastModel, type Trainer } from "@/lib/models";
import type { TrainingData } from "./data";

export type TrainingLimits = {
  maxSteps: number;
  /** Wall-clock budget; null: none. */
  maxMinutes: number | null;
  batchSize: number;
  logEveryNSteps: number;
  valEveryNSteps: number;
  checkpointEveryNSteps: number;
  /** Rollout schedule (anemoi's training.rollout); absent: single-step training. */
  rollout?: RolloutSchedule;
};

/**
 * Rollout length at a (0-based) step: `start`, grown by `increment` every `everyNSteps` steps
 * (anemoi grows it by epoch_increment per epoch; pass the steps per epoch for that), capped at
 * `maximum`.
 */
export type RolloutSchedule = { start: number; maximum: number; increment: number; everyNSteps: number };

export function rolloutAt(step: number, s: RolloutSchedule): number {
  if (s.increment === 0) return Math.min(s.start, s.maximum);
  return Math.min(s.maximum, s.start + s.increment * Math.floor(step / Math.max(1, s.everyNSteps)));
}

export type ValidationResult = { step: number; loss: number; perVariable: Record<string, number> };

export type TrainingHooks = {
  onLog(step: number, metrics: { loss: number; lr: number; gradNorm: number; samplesPerSecond: number; rollout: number }): Promise<void>;
  onValidation(result: ValidationResult): Promise<void>;
  onCheckpoint(step: number, kind: "periodic" | "final"): Promise<void>;
  /** Cancellation: checked between steps. */
  shouldStop(): boolean;
  onProgress(fraction: number, message: string): Promise<void>;
};

/** The sample indices of the batch at a given step: a pure function of (seed, step), so a resumed run draws the same batches. */
export function batchIndices(seed: number, step: number, pool: readonly number[], batchSize: number): number[] {
  const rnd = mulberry32((seed * 1_000_003 + step * 7919) >>> 0);
  return Array.from({ length: batchSize }, () => pool[Math.floor(rnd() * pool.length)]);
}

/** Validation loss over a fixed, evenly spaced subset of validation samples, also per prognostic variable. */
export async function validate(data: TrainingData, model: ForecastModel, trainer: Trainer, valPool: readonly number[], maxSamples = 16): Promise<Omit<ValidationResult, "step">> {
  const picks = valPool.length <= maxSamples ? [...valPool] : Array.from({ length: maxSamples }, (_, i) => valPool[Math.floor((i * valPool.length) / maxSamples)]);
  const P = data.spec.prognostic.length;
  const N = data.numPoints;
  const sq = new Float64Array(P);
  let loss = 0;
  for (const t of picks) {
    const { input, target } = await data.sample(t);
    loss += trainer.evaluate(input, target, 1);
    const pred = model.predict(input, 1);
    for (let p = 0; p < N; p++) for (let c = 0; c < P; c++) sq[c] += (pred[p * P + c] - target[p * P + c]) ** 2;
  }
  const perVariable: Record<string, number> = {};
  data.spec.prognostic.forEach((v, c) => (perVariable[v] = sq[c] / (picks.length * N)));
  return { loss: loss / picks.length, perVariable };
}

/**
 * Train from `trainer.step` to `maxSteps` (or until the time budget or a stop request), with
 * deterministic batches, periodic logging, validation and checkpoints, and a final checkpoint.
 */
export async function trainLoop(
  data: TrainingData,
  model: ForecastModel,
  trainer: Trainer,
  pools: { train: readonly number[]; validation: readonly number[] },
  limits: TrainingLimits,
  seed: number,
  hooks: TrainingHooks,
): Promise<{ stoppedBy: "max-steps" | "time" | "cancelled"; step: number }> {
  if (pools.train.length === 0) throw new Error("no training samples: the training date range holds no complete input window");
  const started = Date.now();
  let windowStart = Date.now();
  let windowSamples = 0;
  let stoppedBy: "max-steps" | "time" | "cancelled" = "max-steps";
  while (trainer.step < limits.maxSteps) {
    if (hooks.shouldStop()) {
      stoppedBy = "cancelled";
      break;
    }
    if (limits.maxMinutes !== null && Date.now() - started > limits.maxMinutes * 60_000) {
      stoppedBy = "time";
      break;
    }
    const rollout = limits.rollout ? rolloutAt(trainer.step, limits.rollout) : 1;
    const picks = batchIndices(seed, trainer.step, pools.train, limits.batchSize);
    let r;
    if (rollout === 1) {
      const { input, target } = await data.batch(picks);
      r = trainer.trainStep(input, target, limits.batchSize);
    } else {
      // The loss over `rollout` autoregressive steps, each prediction fed back as the next input.
      r = trainer.trainRolloutStep({ ...(await data.rolloutBatch(picks, rollout)), batch: limits.batchSize, rollout }, data.toState);
    }
    windowSamples += limits.batchSize;
    if (r.step % limits.logEveryNSteps === 0 || r.step === 1) {
      const seconds = (Date.now() - windowStart) / 1000;
      await hooks.onLog(r.step, { loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, samplesPerSecond: seconds > 0 ? windowSamples / seconds : 0, rollout });
      windowStart = Date.now();
      windowSamples = 0;
    }
    if (pools.validation.length && r.step % limits.valEveryNSteps === 0) {
      await hooks.onValidation({ step: r.step, ...(await validate(data, model, trainer, pools.validation)) });
    }
    if (r.step % limits.checkpointEveryNSteps === 0 && r.step < limits.maxSteps) await hooks.onCheckpoint(r.step, "periodic");
    const byTime = limits.maxMinutes !== null ? (Date.now() - started) / (limits.maxMinutes * 60_000) : 0;
    await hooks.onProgress(Math.max(trainer.step / limits.maxSteps, byTime), `step ${trainer.step}/${limits.maxSteps}, loss ${r.loss.toPrecision(4)}${rollout > 1 ? `, rollout ${rollout}` : ""}`);
  }
  if (stoppedBy !== "cancelled") {
    if (pools.validation.length) await hooks.onValidation({ step: trainer.step, ...(await validate(data, model, trainer, pools.validation)) });
    await hooks.onCheckpoint(trainer.step, "final");
  }
  return { stoppedBy, step: trainer.step };
}
