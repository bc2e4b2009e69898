import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import type { NextRequestHandler } from "./server";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function hasProductionBuild(): boolean {
  return fs.existsSync(path.join(PROJECT_ROOT, ".next", "BUILD_ID"));
}

/** Run `next build` (used by `isobar serve` on a fresh checkout), streaming its output. */
export function buildNextApp(): Promise<void> {
  return new Promise((resolve, reject) => {
    const nextBin = path.join(PROJECT_ROOT, "node_modules", "next", "dist", "bin", "next");
    const child = spawn(process.execPath, [nextBin, "build"], {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}`))));
  });
}

/** Load the production Next.js app and return its request handler. */
export async function loadNextApp(): Promise<NextRequestHandler> {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: PROJECT_ROOT });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (req, res) => handle(req, res);
}
