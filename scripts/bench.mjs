// `npm run bench -- <name>`: runs bench/<name>.bench.ts. Benchmarks print their figures as
// ratios against a baseline measured in the same run, so they stay meaningful on a busy machine.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const benchDir = new URL("../bench/", import.meta.url);
const available = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>\navailable benchmarks: ${available.join(", ") || "(none)"}`);
  process.exit(name ? 1 : 0);
}
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
process.env.NEXT_TELEMETRY_DISABLED = "1";
await import(new URL(`${name}.bench.ts`, benchDir).href);
