import type { ParamInit, ParamSource } from "./ops";
import { tf } from "./tf";
import { mulberry32 } from "@/lib/random/mulberry32";

/** 32-bit FNV-1a hash of a string. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The seeded generator of parameter initialisation (lib/random), re-exported for lib/models' users. */
export { mulberry32 };

/** Initial values of a parameter; depends only on (seed, name, shape, init), not on creation order. */
export function initialValues(seed: number, name: string, shape: number[], init: ParamInit): Float32Array {
  const n = shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  if (init.kind === "zeros") return out;
  if (init.kind === "ones") return out.fill(1);
  const rand = mulberry32(hash32(name) ^ Math.imul(seed + 1, 0x9e3779b1));
  if (init.kind === "uniform") {
    const b = 1 / Math.sqrt(init.fanIn);
    for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * b;
  } else {
    for (let i = 0; i < n; i += 2) {
      // Box–Muller.
      const u = Math.max(rand(), 1e-12), v = rand();
      const r = Math.sqrt(-2 * Math.log(u)) * init.std;
      out[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
  }
  return out;
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Named trainable variables, created on first use with a seeded initialiser. */
export class ParamStore implements ParamSource {
  readonly vars = new Map<string, tf.Variable>();
  readonly inits = new Map<string, ParamInit>();

  constructor(readonly seed: number) {}

  get(name: string, shape: number[], init: ParamInit): tf.Variable {
    const v = this.vars.get(name);
    if (v) {
      if (v.shape.join() !== shape.join()) throw new Error(`parameter ${name}: shape ${v.shape} requested as ${shape}`);
      return v;
    }
    const created = tf.variable(tf.tensor(initialValues(this.seed, name, shape, init), shape, "float32"), true);
    this.vars.set(name, created);
    this.inits.set(name, init);
    return created;
  }

  variable(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  /** Parameter names, sorted (a stable order for optimisers and files). */
  names(): string[] {
    return [...this.vars.keys()].sort();
  }

  numParameters(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Copies of all values, sorted by name. */
  export(): NamedArray[] {
    return this.names().map((name) => {
      const v = this.vars.get(name) as tf.Variable;
      return { name, shape: [...v.shape], data: v.dataSync() as Float32Array };
    });
  }

  /** Sets values by name; every existing parameter must be present with the same shape. */
  import(arrays: NamedArray[]): void {
    const byName = new Map(arrays.map((a) => [a.name, a]));
    for (const [name, v] of this.vars) {
      const a = byName.get(name);
      if (!a) throw new Error(`weights: missing parameter ${name}`);
      if (a.shape.join() !== v.shape.join()) throw new Error(`weights: parameter ${name} has shape [${a.shape}], the model expects [${v.shape}]`);
      v.assign(tf.tensor(a.data, a.shape, "float32"));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
