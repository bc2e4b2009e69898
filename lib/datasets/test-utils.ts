import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Grid } from "@/lib/grids";
import { registerSource } from "./sources/registry";
import type { DatasetSource, OpenedSource } from "./sources/source";

/** Helpers for lib/datasets tests (not a test file itself). */

export const APT_PACKAGES = "python3-zarr python3-numpy python3-netcdf4";

export function tmpDir(prefix = "isobar-ds-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

let python: string | null = null;

/**
 * A Python interpreter with zarr, numpy and netCDF4 (Debian's python3-zarr, python3-numpy,
 * python3-netcdf4 in /usr/bin/python3). Throws, failing the test, when none is installed.
 */
export function findPython(): string {
  if (python) return python;
  const candidates = [process.env.ISOBAR_PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ["-c", "import zarr, numpy, netCDF4"], { encoding: "utf8" });
    if (r.status === 0) {
      python = c;
      return c;
    }
  }
  throw new Error(`python3 with zarr, numpy and netCDF4 is required for the interop tests: install them with 'apt-get install -y ${APT_PACKAGES}'`);
}

/** Run a Python script; returns stdout. Throws with stderr on failure. */
export function runPython(script: string, args: string[] = []): string {
  try {
    return execFileSync(findPython(), ["-c", script, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`python failed: ${err.stderr || err.message}`);
  }
}

/** A smooth analytic test field: value of variable k at (lat, lon, t hours). */
export function analytic(k: number, lat: number, lon: number, hours: number): number {
  const r = Math.PI / 180;
  return 100 * k + 10 * Math.cos(lat * r) + 5 * Math.sin(lon * r + hours / 24) + 0.01 * hours;
}

export const AnalyticConfig = z
  .object({
    variables: z.array(z.string()).min(1).default(["a", "b"]),
    /** Variables that are NaN on points with latitude > this value. */
    nanAbove: z.number().optional(),
    /** Date (ISO) at which fieldsAt fails (to simulate a crash). */
    failAt: z.string().optional(),
  })
  .strict();

/** Count of fieldsAt calls, to check resumed builds do not recompute finished dates. */
export const analyticCalls = { count: 0 };

/** Register the `analytic` test source (deterministic fields from {@link analytic}). */
export function registerAnalyticSource(): void {
  registerSource("analytic", {
    configSchema: AnalyticConfig,
    create(config: z.infer<typeof AnalyticConfig>): DatasetSource {
      return {
        description: "analytic test source",
        async open(grid: Grid): Promise<OpenedSource> {
          return {
            variables: config.variables.map((name) => ({ name, units: "K", longName: `test ${name}` })),
            async fieldsAt(date: Date) {
              analyticCalls.count++;
              if (config.failAt && date.toISOString().startsWith(config.failAt)) throw new Error(`simulated failure at ${config.failAt}`);
              const hours = date.getTime() / 3.6e6;
              const out = new Map<string, Float32Array>();
              config.variables.forEach((name, k) => {
                const f = new Float32Array(grid.size);
                for (let p = 0; p < grid.size; p++) {
                  const lat = grid.latitudes[p];
                  f[p] = config.nanAbove !== undefined && lat > config.nanAbove ? NaN : analytic(k, lat, grid.longitudes[p], hours);
                }
                out.set(name, f);
              });
              return out;
            },
          };
        },
      };
    },
  });
}
