import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireHomeLock, HomeLockedError } from "./home-lock";

describe("acquireHomeLock", () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "isobar-lock-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("takes, refuses while held by a live process, and releases", () => {
    const dir = tmp();
    const release = acquireHomeLock(dir, "first");
    const lockFile = path.join(dir, "isobar.pid");
    // Pretend the lock belongs to another live process (our parent).
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, command: "isobar serve", since: "2026-01-01T00:00:00Z" }));
    let caught: unknown;
    try {
      acquireHomeLock(dir, "second");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HomeLockedError);
    expect((caught as Error).message).toBe(
      `the embedded database in ${dir} is in use by process ${process.ppid} (isobar serve, since 2026-01-01T00:00:00Z); ` +
        "wait for it to finish or stop it, or start 'isobar serve' so that CLI commands go through the server",
    );
    // Releasing does not delete a lock that someone else holds.
    release();
    expect(fs.existsSync(lockFile)).toBe(true);
  });

  it("takes over a stale lock whose process is gone", () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
    fs.writeFileSync(path.join(dir, "isobar.pid"), JSON.stringify({ pid: dead, command: "crashed", since: "x" }));
    const release = acquireHomeLock(dir, "survivor");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "isobar.pid"), "utf8")).pid).toBe(process.pid);
    release();
    expect(fs.existsSync(path.join(dir, "isobar.pid"))).toBe(false);
  });
});
