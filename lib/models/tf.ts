/**
 * TensorFlow.js on the WASM backend, with the .wasm binaries loaded from node_modules (nothing is
 * downloaded), plus the kernels Isobar's models need that the backend lacks.
 */
import path from "node:path";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's gradient functions ship only as extensionless ESM files that Node cannot load; the
// union package's CommonJS bundle registers all of them (into the same global registry) on import.
import "@tensorflow/tfjs";
import { getThreadsCount, setWasmPaths, type BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export { tf };

let ready: Promise<typeof tf> | null = null;

/** Directory holding tfjs-backend-wasm's .wasm files (its dist/ folder). */
export function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
}

/**
 * Registers an `UnsortedSegmentSum` kernel for the wasm backend if it has none. tfjs' gradient of
 * `gather` is a segment sum, so without it no model with message passing can be trained.
 * The sum runs over the first axis in edge order, so results are deterministic.
 */
export function registerSegmentSumKernel(): void {
  if (tf.getKernel(tf.UnsortedSegmentSum, "wasm")) return;
  tf.registerKernel({
    kernelName: tf.UnsortedSegmentSum,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as BackendWasm;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      if (x.dtype !== "float32") throw new Error(`UnsortedSegmentSum (wasm): only float32 is supported, got ${x.dtype}`);
      const rows = segmentIds.shape.reduce((a, d) => a * d, 1);
      const inner = x.shape.slice(segmentIds.shape.length).reduce((a, d) => a * d, 1);
      const xs = b.readSync(x.dataId) as Float32Array;
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const out = b.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], "float32");
      const o = b.typedArrayFromHeap(out) as Float32Array;
      o.fill(0);
      for (let r = 0; r < rows; r++) {
        const s = ids[r];
        if (s < 0 || s >= numSegments) continue;
        const so = s * inner, xo = r * inner;
        for (let c = 0; c < inner; c++) o[so + c] += xs[xo + c];
      }
      return out;
    },
  });
}

/** Initialises the wasm backend once (idempotent) and returns tf. */
export function initTf(): Promise<typeof tf> {
  ready ??= (async () => {
    setWasmPaths(wasmDir());
    registerSegmentSumKernel();
    const ok = await tf.setBackend("wasm");
    if (!ok) throw new Error("could not initialise the TensorFlow.js wasm backend");
    await tf.ready();
    return tf;
  })();
  return ready;
}

/** Number of threads the wasm backend uses (1 when threads are unavailable). */
export function wasmThreads(): number {
  return getThreadsCount();
}
