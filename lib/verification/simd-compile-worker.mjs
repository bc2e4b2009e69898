// binaryen for simd-compile.ts, in a worker thread of its own: started as plain Node (no tsx
// loader), binaryen's 15 MB module loads in about a second instead of being transformed by the
// TypeScript loader (~15 s), and the calling thread stays free meanwhile. Answers
// {id, text, what} with {id, binary} or {id, error}.
import { parentPort } from "node:worker_threads";

const { default: binaryen } = await import("binaryen");
const F = binaryen.Features;
const features = F.SIMD128 | F.Atomics | F.BulkMemory | F.BulkMemoryOpt | F.SignExt | F.MutableGlobals | F.NontrappingFPToInt;

parentPort.on("message", ({ id, text, what }) => {
  let mod;
  try {
    mod = binaryen.parseText(text);
    mod.setFeatures(features);
    if (!mod.validate()) throw new Error(`generated WebAssembly for ${what} does not validate (binaryen printed why on stderr)`);
    const binary = mod.emitBinary();
    parentPort.postMessage({ id, binary }, [binary.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  } finally {
    mod?.dispose();
  }
});
parentPort.postMessage({ ready: true });
