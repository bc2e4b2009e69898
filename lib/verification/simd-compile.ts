/**
 * Compiles the generated SIMD kernels (simd-wat.ts) to WebAssembly modules
 * with binaryen (text parser, validator and binary writer of the WebAssembly
 * project), built at run time because M varies. binaryen is large, so it is
 * loaded only when a SIMD kernel is first needed, in a worker thread of its
 * own (simd-compile-worker.mjs); scoring threads receive compiled
 * WebAssembly.Module objects. Modules are cached: one deterministic module,
 * one ensemble module per member count M.
 */
import { Worker } from "node:worker_threads";
import { deterministicWat, ensembleWat } from "./simd-wat";

/** Largest member count given a SIMD ensemble kernel (straight-line code grows as M log² M); above it the JS kernel is used. */
export const MAX_SIMD_MEMBERS = 128;

/**
 * The smallest module with a v128 instruction, and a shared memory: SIMD and
 * threads are what the kernels need.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a,
  0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b,
]);

let supported: boolean | undefined;

/** True if this runtime has WebAssembly SIMD and shared WebAssembly memory. */
export function simdSupported(): boolean {
  if (supported === undefined) {
    try {
      supported =
        typeof WebAssembly === "object" &&
        WebAssembly.validate(SIMD_PROBE) &&
        new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
    } catch {
      supported = false;
    }
  }
  return supported;
}

type Reply = { id: number; binary?: Uint8Array<ArrayBuffer>; error?: string };

let compiler: { worker: Worker; pending: Map<number, (r: Reply) => void>; next: number } | undefined;

/** WebAssembly text → validated binary, by binaryen in simd-compile-worker.mjs (started on first use, then kept, unref'd). */
function compileWat(text: string, what: string): Promise<WebAssembly.Module> {
  if (!compiler) {
    const worker = new Worker(new URL("./simd-compile-worker.mjs", import.meta.url));
    const pending = new Map<number, (r: Reply) => void>();
    const c = { worker, pending, next: 1 };
    worker.on("message", (r: Reply) => {
      const done = pending.get(r.id);
      if (!done) return;
      pending.delete(r.id);
      if (pending.size === 0) worker.unref();
      done(r);
    });
    const fail = (err: Error) => {
      for (const done of pending.values()) done({ id: 0, error: `SIMD kernel compiler failed: ${err.message}` });
      pending.clear();
      if (compiler === c) compiler = undefined;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`worker exited with code ${code}`)));
    worker.unref();
    compiler = c;
  }
  const c = compiler;
  const id = c.next++;
  return new Promise((resolve, reject) => {
    c.pending.set(id, (r) => {
      if (r.error !== undefined || !r.binary) reject(new Error(r.error ?? `SIMD kernel compiler returned nothing for ${what}`));
      else resolve(new WebAssembly.Module(r.binary));
    });
    c.worker.ref();
    c.worker.postMessage({ id, text, what });
  });
}

const modules = new Map<string, Promise<WebAssembly.Module>>();

function cached(key: string, make: () => Promise<WebAssembly.Module>): Promise<WebAssembly.Module> {
  let p = modules.get(key);
  if (!p) {
    p = make();
    modules.set(key, p);
    p.catch(() => modules.delete(key));
  }
  return p;
}

function requireSimd(): void {
  if (!simdSupported()) throw new Error("WebAssembly SIMD or shared memory is not available in this runtime; use the JS kernels");
}

/** The deterministic SIMD module (exports det_plain, det_anom). */
export async function deterministicModule(): Promise<WebAssembly.Module> {
  requireSimd();
  return cached("det", () => compileWat(deterministicWat(), "the deterministic kernels"));
}

/** The ensemble SIMD module for M members (export ens). */
export async function ensembleModule(m: number): Promise<WebAssembly.Module> {
  requireSimd();
  if (!Number.isInteger(m) || m < 1 || m > MAX_SIMD_MEMBERS) throw new Error(`SIMD ensemble kernel: M must be an integer in 1…${MAX_SIMD_MEMBERS}, got ${m}`);
  return cached(`ens:${m}`, () => compileWat(ensembleWat(m), `the ensemble kernel (M = ${m})`));
}
