import fs from "node:fs";
import path from "node:path";
import { invalidParameter, notFound, MlflowError } from "./errors";

/** Where proxied artifacts (`mlflow-artifacts:/…`) live: `$ISOBAR_HOME/artifacts`. */
export function artifactRoot(home: string): string {
  return path.join(home, "artifacts");
}

/** A relative artifact path, checked: no absolute paths, no `..`, no empty segments. */
export function safeRelative(relPath: string): string {
  const cleaned = relPath.replace(/^\/+/, "");
  const parts = cleaned.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) throw invalidParameter(`Invalid artifact path: '${relPath}'. Artifact paths must not contain '..'`);
  if (path.isAbsolute(relPath) && relPath.startsWith("//")) throw invalidParameter(`Invalid artifact path: '${relPath}'`);
  return parts.join("/");
}

/** The local directory behind a run's artifact URI, or null when it is not stored by Isobar. */
export function localDirForArtifactUri(home: string, uri: string): string | null {
  if (uri.startsWith("mlflow-artifacts:")) {
    const rest = uri.replace(/^mlflow-artifacts:\/*/, "");
    return path.join(artifactRoot(home), safeRelative(rest));
  }
  if (uri.startsWith("file://")) return new URL(uri).pathname;
  if (uri.startsWith("/")) return uri;
  return null;
}

export type ArtifactEntry = { path: string; is_dir: boolean; file_size?: number };

/** List one directory level; `prefix` is prepended to names (MLflow lists paths relative to the run root). */
export function listDirectory(dir: string, prefix: string): ArtifactEntry[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw err;
  }
  return names
    .filter((d) => !d.name.endsWith(".isobar-upload"))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      return d.isDirectory() ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: fs.statSync(path.join(dir, d.name)).size };
    });
}

export function fileForDownload(root: string, relPath: string): string {
  const file = path.join(root, safeRelative(relPath));
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw notFound(`Artifact '${relPath}' does not exist`);
  }
  if (!st.isFile()) throw invalidParameter(`Artifact '${relPath}' is a directory; list it instead of downloading it`);
  return file;
}

/** Stream an upload to a temporary file and move it into place, so a broken upload never leaves a partial file. */
export async function writeUpload(root: string, relPath: string, body: NodeJS.ReadableStream): Promise<void> {
  const rel = safeRelative(relPath);
  if (!rel) throw invalidParameter("An artifact upload needs a file path");
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.isobar-upload`;
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(tmp);
    body.on("error", reject);
    out.on("error", reject);
    out.on("finish", () => resolve());
    body.pipe(out);
  }).catch((err: Error) => {
    fs.rmSync(tmp, { force: true });
    throw new MlflowError("INTERNAL_ERROR", `Artifact upload of '${relPath}' failed: ${err.message}`);
  });
  fs.renameSync(tmp, file);
}

export function deleteArtifact(root: string, relPath: string): void {
  const rel = safeRelative(relPath);
  if (!rel) throw invalidParameter("Refusing to delete the artifact root");
  const target = path.join(root, rel);
  if (!fs.existsSync(target)) throw notFound(`Artifact '${relPath}' does not exist`);
  fs.rmSync(target, { recursive: true, force: true });
}
