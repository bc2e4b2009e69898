import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import type { NextRequestHandler } from "./server";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What the web build is made from; a change to any of these makes the build stale. */
const BUILD_INPUTS = ["app", "components", "lib", "public", "next.config.ts", "package-lock.json", "tsconfig.json"];
const SOURCE_STAMP = path.join(PROJECT_ROOT, ".next", "isobar-source-stamp");

/** A cheap fingerprint of the build inputs: path, size and mtime of every file. */
export function sourceFingerprint(): string {
  const hash = createHash("sha256");
  const visit = (rel: string) => {
    const abs = path.join(PROJECT_ROOT, rel);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) visit(path.join(rel, name));
    } else {
      hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  for (const input of BUILD_INPUTS) visit(input);
  return hash.digest("hex");
}

/** True when a production build exists and was made from the current sources. */
export function hasCurrentBuild(): boolean {
  if (!fs.existsSync(path.join(PROJECT_ROOT, ".next", "BUILD_ID"))) return false;
  try {
    return fs.readFileSync(SOURCE_STAMP, "utf8") === sourceFingerprint();
  } catch {
    return false;
  }
}

/** Run `next build` (used by `isobar serve` when the build is missing or stale), streaming its output. */
export async function buildNextApp(): Promise<void> {
  const fingerprint = sourceFingerprint();
  await new Promise<void>((resolve, reject) => {
    const nextBin = path.join(PROJECT_ROOT, "node_modules", "next", "dist", "bin", "next");
    const child = spawn(process.execPath, [nextBin, "build"], {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}`))));
  });
  fs.writeFileSync(SOURCE_STAMP, fingerprint);
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
