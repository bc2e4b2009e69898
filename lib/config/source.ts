/**
 * Where config files come from. Composition only reads through this interface, so tests
 * use in-memory trees and the CLI/server use the file system adapter in fs-source.ts.
 */
export interface ConfigSource {
  /** File text at a '/'-separated path relative to the config root, or undefined if absent. */
  readFile(path: string): string | undefined;
  /** Whether `path` is a directory (a config group). */
  isDir(path: string): boolean;
  /** Entries of a directory: file names (with extension) and sub-directory names. */
  list(path: string): { files: string[]; dirs: string[] };
  /** How a path is shown in messages and provenance (e.g. `config/model/gnn.yaml`). */
  display(path: string): string;
}

/** An in-memory config tree: keys are '/'-separated paths such as `model/gnn.yaml`. */
export function memorySource(files: Record<string, string>, label = "config"): ConfigSource {
  const norm = (p: string) => p.replace(/^\/+|\/+$/g, "");
  const dirs = new Set<string>([""]);
  for (const file of Object.keys(files)) {
    const parts = norm(file).split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return {
    readFile: (p) => files[norm(p)],
    isDir: (p) => dirs.has(norm(p)),
    list(p) {
      const prefix = norm(p) === "" ? "" : `${norm(p)}/`;
      const out = { files: [] as string[], dirs: [] as string[] };
      for (const d of dirs) if (d.startsWith(prefix) && d !== norm(p) && !d.slice(prefix.length).includes("/")) out.dirs.push(d.slice(prefix.length));
      for (const f of Object.keys(files)) {
        const n = norm(f);
        if (n.startsWith(prefix) && !n.slice(prefix.length).includes("/")) out.files.push(n.slice(prefix.length));
      }
      out.files.sort();
      out.dirs.sort();
      return out;
    },
    display: (p) => [label, norm(p)].filter(Boolean).join("/"),
  };
}
