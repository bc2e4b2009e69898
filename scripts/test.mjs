// `npm test`: every check, in order of cost, stopping at the first failure.
// Type-check, lint, unit tests, production build, integration tests (PGlite and PostgreSQL),
// browser end-to-end tests. `npm test -- --only unit,integration` runs a subset.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const CHROMIUM = process.env.ISOBAR_CHROMIUM ?? "/usr/bin/chromium";

/** The browser tests drive Debian's Chromium; install it when missing (never a downloaded browser). */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return 0;
  if (process.getuid?.() !== 0) {
    console.error(`npm test: ${CHROMIUM} is missing; install Debian's chromium (sudo apt-get install -y chromium)`);
    return 1;
  }
  console.log("Installing Debian's chromium for the browser tests…");
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  if (update.status !== 0) return update.status ?? 1;
  return spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  }).status ?? 1;
}

const STEPS = [
  ["typecheck", "npx", ["tsc", "--noEmit"]],
  ["lint", "npx", ["eslint", "--max-warnings", "0", "."]],
  ["unit", "npx", ["vitest", "run", "--project", "unit"]],
  ["build", "node", ["scripts/build.mjs"]],
  ["integration", "npx", ["vitest", "run", "--project", "integration"]],
  ["e2e", "npx", ["vitest", "run", "--project", "e2e"]],
];

const onlyArg = process.argv.indexOf("--only");
const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1]?.split(",")) : null;
if (only) {
  const unknown = [...only].filter((s) => !STEPS.some(([name]) => name === s));
  if (unknown.length) {
    console.error(`npm test: unknown step(s) ${unknown.join(", ")}; steps are ${STEPS.map(([n]) => n).join(", ")}`);
    process.exit(2);
  }
}

/** Python with zarr-python and netCDF4 from Debian, for the dataset interop tests. */
const APT_PYTHON_PACKAGES = ["python3-zarr", "python3-numpy", "python3-netcdf4"];
function ensurePythonInterop() {
  const probe = spawnSync("/usr/bin/python3", ["-c", "import zarr, numpy, netCDF4"], { stdio: "ignore" });
  if (probe.status === 0) return 0;
  if (process.getuid?.() !== 0) {
    console.error(`npm test: the dataset interop tests need ${APT_PYTHON_PACKAGES.join(" ")} (sudo apt-get install -y ${APT_PYTHON_PACKAGES.join(" ")})`);
    return 1;
  }
  console.log(`Installing ${APT_PYTHON_PACKAGES.join(", ")} for the dataset interop tests…`);
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  return spawnSync("apt-get", ["install", "-y", "-qq", ...APT_PYTHON_PACKAGES], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  }).status ?? 1;
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const timings = [];
for (const [name, cmd, args] of STEPS) {
  if (only && !only.has(name)) continue;
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const t0 = Date.now();
  if (name === "e2e" && ensureChromium() !== 0) process.exit(1);
  if (name === "unit" && ensurePythonInterop() !== 0) process.exit(1);
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  timings.push(`${name} ${seconds}s`);
  if (r.status !== 0) {
    console.error(`\nnpm test: step '${name}' failed (exit ${r.status ?? r.signal}) after ${seconds}s`);
    process.exit(1);
  }
}
console.log(`\nAll test steps passed: ${timings.join(", ")}`);
