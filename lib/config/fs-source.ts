import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { ConfigSource } from "./source";

/** A config source backed by a directory on disk; `label` prefixes paths in messages. */
export function fsSource(rootDir: string, label?: string): ConfigSource {
  const root = path.resolve(rootDir);
  const abs = (p: string) => path.join(root, ...p.split("/").filter(Boolean));
  const shown = label ?? (path.relative(process.cwd(), root) || ".");
  return {
    readFile(p) {
      try {
        return readFileSync(abs(p), "utf8");
      } catch {
        return undefined;
      }
    },
    isDir(p) {
      try {
        return statSync(abs(p)).isDirectory();
      } catch {
        return false;
      }
    },
    list(p) {
      const out = { files: [] as string[], dirs: [] as string[] };
      try {
        for (const entry of readdirSync(abs(p), { withFileTypes: true })) {
          if (entry.isDirectory()) out.dirs.push(entry.name);
          else if (entry.isFile()) out.files.push(entry.name);
        }
      } catch {
        // a missing directory lists as empty
      }
      out.files.sort();
      out.dirs.sort();
      return out;
    },
    display: (p) => path.join(shown, ...p.split("/").filter(Boolean)),
  };
}
