/** Text renderings of a composed/resolved config for `config show`. */
import { stringify } from "yaml";
import { formatOrigin, formatPath, toPlain, walkLeaves, type ConfigNode } from "./tree";

export interface ProvenanceRow {
  path: string;
  value: unknown;
  origin: string;
}

/** One row per leaf: display path, value and where it was set. */
export function provenanceRows(tree: ConfigNode): ProvenanceRow[] {
  const rows: ProvenanceRow[] = [];
  walkLeaves(tree, (path, leaf) => rows.push({ path: formatPath(path), value: toPlain(leaf), origin: formatOrigin(leaf.origin) }));
  return rows;
}

export interface ShowStyle {
  /** Colour the origin column (pass picocolors' `dim`, or identity). */
  dim?: (s: string) => string;
}

/** `path = value   # origin`, with values aligned to a column (capped for very long paths). */
export function formatProvenance(tree: ConfigNode, style: ShowStyle = {}): string {
  const dim = style.dim ?? ((s: string) => s);
  const rows = provenanceRows(tree).map((r) => ({ left: `${r.path} = ${JSON.stringify(r.value)}`, origin: r.origin }));
  const width = Math.min(72, Math.max(0, ...rows.map((r) => r.left.length)));
  return rows.map((r) => `${r.left.padEnd(width)}  ${dim(`# ${r.origin}`)}`).join("\n");
}

/** The config as YAML (keys in composition order). */
export function formatYaml(tree: ConfigNode): string {
  return stringify(toPlain(tree), { lineWidth: 0 });
}
