import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "@/server/trpc/router";

export const ISOBAR_BIN = path.resolve("cli/isobar.mjs");

export type IsobarProcess = {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the combined output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** Run `isobar <args>` as a real child process. */
export function startIsobar(args: string[], env: Record<string, string>): IsobarProcess {
  const child = spawn(process.execPath, [ISOBAR_BIN, ...args], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in output of isobar ${args.join(" ")}:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`isobar ${args.join(" ")} exited before printing ${pattern}:\n${out}`));
          }
        });
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Run `isobar <args>` to completion. */
export function runIsobar(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ISOBAR_BIN, ...args], {
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Start `isobar serve` on a free port and return its URL and a typed API client. */
export async function startServer(env: Record<string, string>, extraArgs: string[] = []) {
  const proc = startIsobar(["serve", "--port", "0", ...extraArgs], env);
  const [, url] = await proc.waitFor(/Isobar is running at (http:\/\/\S+)/, 240_000);
  const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc` })] });
  return { proc, url, api };
}

export function freshHome(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `isobar-${label}-`));
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}
