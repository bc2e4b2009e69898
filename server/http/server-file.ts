import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * `$ISOBAR_HOME/server.json` tells other CLI processes that an `isobar serve` owns this home
 * (and, in embedded mode, its database), and where to reach it.
 */
const ServerFileSchema = z.object({ pid: z.number().int(), url: z.string().url(), home: z.string(), startedAt: z.string() });
export type ServerFile = z.infer<typeof ServerFileSchema>;

export function serverFilePath(home: string): string {
  return path.join(home, "server.json");
}

export function writeServerFile(home: string, info: ServerFile): () => void {
  fs.mkdirSync(home, { recursive: true });
  const file = serverFilePath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2));
  fs.renameSync(tmp, file);
  return () => {
    try {
      const current = readServerFile(home);
      if (current?.pid === process.pid) fs.rmSync(file);
    } catch {
      // already removed
    }
  };
}

export function readServerFile(home: string): ServerFile | null {
  try {
    const parsed = ServerFileSchema.safeParse(JSON.parse(fs.readFileSync(serverFilePath(home), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
