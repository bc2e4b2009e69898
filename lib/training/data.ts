import { openDataset, type Dataset } from "@/lib/datasets";

/**
 * Training samples from a dataset: normalised inputs (prognostic then forcing variables at
 * `multistepInput` past times) and normalised one-step tendencies of the prognostic variables.
 */
export type Normalizer = "mean-std" | "min-max" | "max" | "none";
export type TrainingDataSpec = {
  prognostic: string[];
  forcing: string[];
  multistepInput: number;
  normalizer: { default: Normalizer; per_variable?: Record<string, Normalizer> };
};

export class TrainingDataError extends Error {}

/** What a checkpoint records to normalise inputs and de-normalise outputs the same way later. */
export type Normalisation = {
  variables: string[];
  /** Per input channel (prognostic then forcing): x_norm = (x − offset) / scale. */
  offset: number[];
  scale: number[];
  /** Per prognostic variable: tendency_norm = Δx / tendencyScale. */
  tendencyScale: number[];
};

const CACHE_DATES = 4096;

export class TrainingData {
  private readonly cache = new Map<number, Float32Array>();
  readonly numPoints: number;
  private readonly channelIndex: number[];

  private constructor(
    readonly dataset: Dataset,
    readonly spec: TrainingDataSpec,
    private norm: Normalisation,
  ) {
    this.numPoints = dataset.grid.size;
    const index = new Map(dataset.variables.map((v, i) => [v, i]));
    this.channelIndex = [...spec.prognostic, ...spec.forcing].map((v) => index.get(v)!);
  }

  /** Open a dataset for training; every configured variable must be in it. */
  static async open(datasetPath: string, spec: TrainingDataSpec, normalisation?: Normalisation): Promise<TrainingData> {
    const dataset = await openDataset(datasetPath);
    const missing = [...spec.prognostic, ...spec.forcing].filter((v) => !dataset.variables.includes(v));
    if (missing.length) {
      throw new TrainingDataError(
        `the dataset ${datasetPath} lacks configured variable(s) ${missing.join(", ")}; it has ${dataset.variables.join(", ")} (fix data.variables in the config)`,
      );
    }
    const data = new TrainingData(dataset, spec, normalisation ?? placeholderNormalisation(spec));
    if (!normalisation) await data.fitNormalisation();
    return data;
  }

  /** How inputs and targets are scaled (fitted from the dataset, or given when resuming). */
  get normalisation(): Normalisation {
    return this.norm;
  }

  get channels(): number {
    return this.spec.prognostic.length + this.spec.forcing.length;
  }

  /**
   * Dataset date indices t usable as the last input time (enough history and `horizon` steps
   * ahead, for rollout training), within [start, end] (seconds).
   */
  sampleIndices(startSeconds: number, endSeconds: number, horizon = 1): number[] {
    const out: number[] = [];
    const dates = this.dataset.dates;
    for (let t = this.spec.multistepInput - 1; t + horizon < dates.length; t++) {
      if (dates[t - this.spec.multistepInput + 1] >= startSeconds && dates[t + horizon] <= endSeconds) out.push(t);
    }
    return out;
  }

  /** x̃[t+1] = x̃[t] + a + b·y per prognostic variable (normalised state from a normalised tendency), for rollout training. */
  get toState(): { a: Float32Array; b: Float32Array } {
    const P = this.spec.prognostic.length;
    const { scale, tendencyScale } = this.normalisation;
    return { a: new Float32Array(P), b: Float32Array.from({ length: P }, (_, c) => tendencyScale[c] / scale[c]) };
  }

  /** Normalised value of channel c of a date array at point p (0 where missing). */
  private normalised(date: Float32Array, c: number, p: number): number {
    const v = (this.raw(date, c, p) - this.normalisation.offset[c]) / this.normalisation.scale[c];
    return Number.isFinite(v) ? v : 0;
  }

  /**
   * A rollout sample ending at date t (the layout of Trainer.rolloutLoss): normalised prognostic
   * states [T, N, P] of the input window, normalised forcings [T + R − 1, N, F] for every input
   * time of the R steps, and the normalised true states [R, N, P] at t+1 … t+R.
   */
  async rolloutSample(t: number, rollout: number): Promise<{ states: Float32Array; forcings: Float32Array; truth: Float32Array }> {
    const T = this.spec.multistepInput;
    const P = this.spec.prognostic.length;
    const F = this.spec.forcing.length;
    const N = this.numPoints;
    const states = new Float32Array(T * N * P);
    const forcings = new Float32Array((T + rollout - 1) * N * F);
    const truth = new Float32Array(rollout * N * P);
    for (let s = 0; s < T + rollout - 1; s++) {
      const date = await this.date(t - T + 1 + s);
      for (let p = 0; p < N; p++) {
        if (s < T) for (let c = 0; c < P; c++) states[(s * N + p) * P + c] = this.normalised(date, c, p);
        for (let f = 0; f < F; f++) forcings[(s * N + p) * F + f] = this.normalised(date, P + f, p);
      }
    }
    for (let r = 0; r < rollout; r++) {
      const date = await this.date(t + 1 + r);
      for (let p = 0; p < N; p++) for (let c = 0; c < P; c++) truth[(r * N + p) * P + c] = this.normalised(date, c, p);
    }
    return { states, forcings, truth };
  }

  /** Several rollout samples stacked along a leading batch axis. */
  async rolloutBatch(ts: readonly number[], rollout: number): Promise<{ states: Float32Array; forcings: Float32Array; truth: Float32Array }> {
    const parts: { states: Float32Array; forcings: Float32Array; truth: Float32Array }[] = [];
    for (const t of ts) parts.push(await this.rolloutSample(t, rollout));
    const cat = (key: "states" | "forcings" | "truth") => {
      const out = new Float32Array(parts.reduce((n, p) => n + p[key].length, 0));
      let i = 0;
      for (const p of parts) {
        out.set(p[key], i);
        i += p[key].length;
      }
      return out;
    };
    return { states: cat("states"), forcings: cat("forcings"), truth: cat("truth") };
  }

  private async date(i: number): Promise<Float32Array> {
    let v = this.cache.get(i);
    if (!v) {
      v = await this.dataset.readDate(i);
      if (this.cache.size >= CACHE_DATES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(i, v);
    }
    return v;
  }

  /** Raw (physical) value of dataset variable channel c at point p from a date array. */
  private raw(date: Float32Array, channel: number, point: number): number {
    // readDate layout: (variables, ensembles, points); member 0.
    return date[this.channelIndex[channel] * this.dataset.ensembles * this.numPoints + point];
  }

  private async fitNormalisation(): Promise<void> {
    const stats = this.dataset.statistics;
    const names = [...this.spec.prognostic, ...this.spec.forcing];
    const dsIndex = new Map(this.dataset.variables.map((v, i) => [v, i]));
    const offset: number[] = [];
    const scale: number[] = [];
    for (const name of names) {
      const k = dsIndex.get(name)!;
      const kind = this.spec.normalizer.per_variable?.[name] ?? this.spec.normalizer.default;
      if (kind === "mean-std") {
        offset.push(stats.mean[k]);
        scale.push(stats.stdev[k] > 0 ? stats.stdev[k] : 1);
      } else if (kind === "min-max") {
        const range = stats.maximum[k] - stats.minimum[k];
        offset.push(stats.minimum[k]);
        scale.push(range > 0 ? range : 1);
      } else if (kind === "max") {
        offset.push(0);
        scale.push(Math.abs(stats.maximum[k]) > 0 ? Math.abs(stats.maximum[k]) : 1);
      } else {
        offset.push(0);
        scale.push(1);
      }
    }
    // Tendency scale: the standard deviation of one-step differences over up to 64 evenly spaced dates.
    const n = this.dataset.dates.length - 1;
    const picks = Array.from({ length: Math.min(64, n) }, (_, j) => Math.floor((j * n) / Math.min(64, n)));
    const P = this.spec.prognostic.length;
    const sum = new Float64Array(P);
    const sumSq = new Float64Array(P);
    let count = 0;
    for (const t of picks) {
      const a = await this.date(t);
      const b = await this.date(t + 1);
      for (let c = 0; c < P; c++) {
        for (let p = 0; p < this.numPoints; p++) {
          const d = this.raw(b, c, p) - this.raw(a, c, p);
          if (Number.isFinite(d)) {
            sum[c] += d;
            sumSq[c] += d * d;
          }
        }
      }
      count += this.numPoints;
    }
    const tendencyScale = Array.from({ length: P }, (_, c) => {
      const mean = sum[c] / count;
      const sd = Math.sqrt(Math.max(0, sumSq[c] / count - mean * mean));
      return sd > 0 ? sd : scale[c];
    });
    this.norm = { variables: names, offset, scale, tendencyScale };
  }

  /** Normalised input [T, N, V] ending at date t, and normalised tendency target [N, P] from t to t+1. */
  async sample(t: number): Promise<{ input: Float32Array; target: Float32Array }> {
    const T = this.spec.multistepInput;
    const V = this.channels;
    const P = this.spec.prognostic.length;
    const N = this.numPoints;
    const { offset, scale, tendencyScale } = this.normalisation;
    const input = new Float32Array(T * N * V);
    for (let s = 0; s < T; s++) {
      const date = await this.date(t - T + 1 + s);
      for (let p = 0; p < N; p++) {
        for (let c = 0; c < V; c++) {
          const v = (this.raw(date, c, p) - offset[c]) / scale[c];
          input[(s * N + p) * V + c] = Number.isFinite(v) ? v : 0;
        }
      }
    }
    const now = await this.date(t);
    const next = await this.date(t + 1);
    const target = new Float32Array(N * P);
    for (let p = 0; p < N; p++) {
      for (let c = 0; c < P; c++) {
        const d = (this.raw(next, c, p) - this.raw(now, c, p)) / tendencyScale[c];
        target[p * P + c] = Number.isFinite(d) ? d : 0;
      }
    }
    return { input, target };
  }

  /** Several samples stacked along a leading batch axis. */
  async batch(ts: readonly number[]): Promise<{ input: Float32Array; target: Float32Array }> {
    const parts = await Promise.all(ts.map((t) => this.sample(t)));
    const input = new Float32Array(parts.reduce((n, p) => n + p.input.length, 0));
    const target = new Float32Array(parts.reduce((n, p) => n + p.target.length, 0));
    let i = 0;
    let j = 0;
    for (const p of parts) {
      input.set(p.input, i);
      target.set(p.target, j);
      i += p.input.length;
      j += p.target.length;
    }
    return { input, target };
  }
}

function placeholderNormalisation(spec: TrainingDataSpec): Normalisation {
  const names = [...spec.prognostic, ...spec.forcing];
  return { variables: names, offset: names.map(() => 0), scale: names.map(() => 1), tendencyScale: spec.prognostic.map(() => 1) };
}
