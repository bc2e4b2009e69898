import fs from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { gridFromDescriptor } from "@/lib/grids";
import { CheckpointError, timestepSeconds, unpackCheckpoint, type Checkpoint, type CheckpointMetadata } from "./checkpoint";

export interface RunnerOptions {
  /** onnxruntime intra-op threads (default: onnxruntime's choice). */
  threads?: number;
}

/**
 * Checks the ONNX model's input and output against the metadata. Returns a list of problems
 * (empty when they agree); each names the expected and the actual shape.
 */
export function checkModelIo(session: Pick<ort.InferenceSession, "inputMetadata" | "outputMetadata">, m: CheckpointMetadata, numPoints: number): string[] {
  const problems: string[] = [];
  const P = m.variables.prognostic.length, F = m.variables.forcing.length, T = m.multistep_input;
  const check = (kind: "input" | "output", name: string, list: readonly ort.InferenceSession.ValueMetadata[], want: (number | null)[], why: string) => {
    const v = list.find((x) => x.name === name);
    if (!v) {
      problems.push(`the ONNX model has no ${kind} '${name}' (its ${kind}s: ${list.map((x) => x.name).join(", ") || "none"})`);
      return;
    }
    if (!v.isTensor || v.type !== "float32") {
      problems.push(`ONNX ${kind} '${name}' must be a float32 tensor, found ${v.isTensor ? v.type : "a non-tensor"}`);
      return;
    }
    const fmt = (s: readonly (number | string | null)[]) => `[${s.map((d) => (d === null ? "batch" : d)).join(", ")}]`;
    const ok = v.shape.length === want.length && want.every((d, i) => d === null || typeof v.shape[i] !== "number" || v.shape[i] === d || v.shape[i] === -1);
    if (!ok) problems.push(`ONNX ${kind} '${name}' has shape ${fmt(v.shape)}; the metadata implies ${fmt(want)} (${why})`);
  };
  check("input", m.onnx.input, session.inputMetadata, [null, T, numPoints, P + F], `multistep_input ${T}, ${numPoints} grid points, ${P} prognostic + ${F} forcing variables`);
  check("output", m.onnx.output, session.outputMetadata, [null, numPoints, P], `${numPoints} grid points, ${P} prognostic variables`);
  return problems;
}

export interface RolloutOptions {
  /** multistep_input prognostic states, oldest first, each [N·P] (point-major, variables fastest), physical units. */
  initial: Float32Array[];
  /**
   * Forcings at a step index k (valid time = init + k·timestep; k runs from −(multistep_input−1)),
   * [N·F] physical units. Called once per needed time, in increasing k.
   */
  forcings: (k: number, validTime: Date | null) => Float32Array | Promise<Float32Array>;
  /** Number of model steps. */
  steps: number;
  /** Initial (valid) time of the last initial state, for validTime in forcings. */
  initTime?: Date;
}

/** Loads a checkpoint into onnxruntime and runs single steps and autoregressive rollouts. */
export class ForecastRunner {
  readonly numPoints: number;
  private readonly P: number;
  private readonly F: number;
  private readonly T: number;
  private readonly inMean: Float32Array;
  private readonly inInvStd: Float32Array;
  private readonly outAdd: Float32Array;
  private readonly outScale: Float32Array;
  private readonly input: Float32Array;
  private readonly inputTensor: ort.Tensor;
  /** Time spent in the last step: normalising inputs, in onnxruntime, de-normalising outputs. */
  lastTiming = { prepareMs: 0, runMs: 0, finishMs: 0 };

  private constructor(readonly session: ort.InferenceSession, readonly metadata: CheckpointMetadata, readonly checkpoint: Checkpoint) {
    this.numPoints = gridFromDescriptor(metadata.grid).size;
    const { prognostic, forcing } = metadata.variables;
    this.P = prognostic.length;
    this.F = forcing.length;
    this.T = metadata.multistep_input;
    const norm = metadata.normalisation;
    const vars = [...prognostic, ...forcing];
    this.inMean = Float32Array.from(vars, (v) => norm.mean[v]);
    this.inInvStd = Float32Array.from(vars, (v) => 1 / norm.std[v]);
    const tendency = metadata.output_kind === "tendency";
    this.outAdd = Float32Array.from(prognostic, (v) => (tendency ? norm.tendency_mean[v] : norm.mean[v]));
    this.outScale = Float32Array.from(prognostic, (v) => (tendency ? norm.tendency_std[v] : norm.std[v]));
    this.input = new Float32Array(this.T * this.numPoints * (this.P + this.F));
    this.inputTensor = new ort.Tensor("float32", this.input, [1, this.T, this.numPoints, this.P + this.F]);
  }

  /** Opens a checkpoint (path or bytes), validating the metadata and the model's inputs/outputs. */
  static async load(source: string | Uint8Array, options: RunnerOptions = {}): Promise<ForecastRunner> {
    const bytes = typeof source === "string" ? new Uint8Array(await fs.readFile(source)) : source;
    const ckpt = unpackCheckpoint(bytes);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(ckpt.onnx, {
        executionMode: "sequential",
        graphOptimizationLevel: "all",
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
    } catch (e) {
      throw new CheckpointError(`onnxruntime cannot load the model: ${(e as Error).message}`);
    }
    const n = gridFromDescriptor(ckpt.metadata.grid).size;
    const problems = checkModelIo(session, ckpt.metadata, n);
    if (problems.length) {
      await session.release();
      throw new CheckpointError(`the ONNX model does not match its metadata:\n  ${problems.join("\n  ")}`);
    }
    return new ForecastRunner(session, ckpt.metadata, ckpt);
  }

  get timestepSeconds(): number {
    return timestepSeconds(this.metadata.timestep);
  }

  /**
   * One model step. states: multistep_input prognostic states [N·P], forcings: the forcings at the
   * same times [N·F], oldest first, physical units. Returns the next state [N·P].
   */
  async step(states: Float32Array[], forcings: Float32Array[]): Promise<Float32Array> {
    const { T, P, F, numPoints: N } = this;
    if (states.length !== T || forcings.length !== T) throw new Error(`step needs ${T} states and ${T} forcing arrays, got ${states.length} and ${forcings.length}`);
    const V = P + F;
    const t0 = performance.now();
    const x = this.input, mean = this.inMean, inv = this.inInvStd;
    for (let t = 0; t < T; t++) {
      const s = states[t], f = forcings[t];
      if (s.length !== N * P) throw new Error(`state ${t} has ${s.length} values, expected ${N * P} (${N} points × ${P} variables)`);
      if (f.length !== N * F) throw new Error(`forcings ${t} have ${f.length} values, expected ${N * F} (${N} points × ${F} variables)`);
      let o = t * N * V;
      for (let i = 0, sp = 0, fp = 0; i < N; i++) {
        for (let v = 0; v < P; v++) x[o++] = (s[sp++] - mean[v]) * inv[v];
        for (let v = P; v < V; v++) x[o++] = (f[fp++] - mean[v]) * inv[v];
      }
    }
    const t1 = performance.now();
    const out = await this.session.run({ [this.metadata.onnx.input]: this.inputTensor });
    const t2 = performance.now();
    const y = out[this.metadata.onnx.output].data as Float32Array;
    const next = new Float32Array(N * P);
    const add = this.outAdd, scale = this.outScale;
    const tendency = this.metadata.output_kind === "tendency";
    const last = states[T - 1];
    for (let i = 0, k = 0; i < N; i++) {
      for (let v = 0; v < P; v++, k++) next[k] = (tendency ? last[k] : 0) + add[v] + y[k] * scale[v];
    }
    out[this.metadata.onnx.output].dispose();
    this.lastTiming = { prepareMs: t1 - t0, runMs: t2 - t1, finishMs: performance.now() - t2 };
    return next;
  }

  /** Autoregressive rollout: yields the state after each step (k = 1..steps). */
  async *rollout(o: RolloutOptions): AsyncGenerator<{ step: number; validTime: Date | null; state: Float32Array }> {
    const T = this.T;
    if (o.initial.length !== T) throw new Error(`rollout needs ${T} initial states, got ${o.initial.length}`);
    const dt = this.timestepSeconds * 1000;
    const at = (k: number) => (o.initTime ? new Date(o.initTime.getTime() + k * dt) : null);
    const states = [...o.initial];
    const forcings: Float32Array[] = [];
    for (let k = -(T - 1); k <= 0; k++) forcings.push(await o.forcings(k, at(k)));
    for (let s = 1; s <= o.steps; s++) {
      const next = await this.step(states, forcings);
      yield { step: s, validTime: at(s), state: next };
      states.shift();
      states.push(next);
      if (s < o.steps) {
        forcings.shift();
        forcings.push(await o.forcings(s, at(s)));
      }
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
