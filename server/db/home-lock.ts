import fs from "node:fs";
import path from "node:path";

/**
 * PGlite allows one process per data directory and does not guard it itself, so Isobar keeps a
 * pid file beside it. A pid file (rather than a lock library such as proper-lockfile, which needs
 * periodic mtime refreshes) is enough here: the data directory is always local to this machine,
 * and a dead owner is detected exactly with `kill(pid, 0)`.
 */
export type HomeLockOwner = { pid: number; command: string; since: string };

export class HomeLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: HomeLockOwner,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${owner.pid} (${owner.command}, since ${owner.since}); ` +
        `wait for it to finish or stop it, or start 'isobar serve' so that CLI commands go through the server`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readLockOwner(lockFile: string): HomeLockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(lockFile, "utf8")) as HomeLockOwner;
    return typeof owner.pid === "number" && isAlive(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

/** Take the lock or throw HomeLockedError; returns the release function. */
export function acquireHomeLock(dataDir: string, command: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, "isobar.pid");
  const me: HomeLockOwner = { pid: process.pid, command, since: new Date().toISOString() };
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(lockFile, JSON.stringify(me), { flag: "wx" });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          if (readLockOwner(lockFile)?.pid === process.pid) fs.rmSync(lockFile);
        } catch {
          // already gone: nothing to release
        }
      };
      process.on("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = readLockOwner(lockFile);
      if (owner && owner.pid !== process.pid) throw new HomeLockedError(dataDir, owner);
      fs.rmSync(lockFile, { force: true }); // stale: its owner died without releasing
    }
  }
  throw new Error(`could not take the lock file ${lockFile}`);
}
