/** Terminal and JSON renderings of a ConfigDiff. */
import pc from "picocolors";
import type { ConfigDiff, DiffLeaf, DiffValue } from "./diff";
import { describeValue, formatOrigin } from "./tree";

export interface RenderOptions {
  color?: boolean;
  /** Show where each side's value came from (default true). */
  provenance?: boolean;
}

const SIGN = { changed: "~", added: "+", removed: "-" } as const;

function shown(v: DiffValue): string {
  return v.present ? describeValue(v.value) : "(absent)";
}

export function renderDiff(diff: ConfigDiff, options: RenderOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const paint = { changed: c.yellow, added: c.green, removed: c.red } as const;
  const withOrigins = options.provenance ?? true;
  // Sides are tagged A, B, C... with a legend, so long labels do not crowd every line.
  const tags = diff.labels.map((_, i) => (i < 26 ? String.fromCharCode(65 + i) : `#${i + 1}`));
  const labelWidth = Math.max(...tags.map((t) => t.length));
  const lines: string[] = diff.labels.map((label, i) => c.bold(`${tags[i]}: ${label}`));
  const origins = (leaf: DiffLeaf) => {
    if (!withOrigins) return;
    leaf.values.forEach((v, s) => {
      if (v.present && v.origin) lines.push(c.dim(`    ${tags[s].padEnd(labelWidth)}  ${formatOrigin(v.origin)}`));
    });
  };
  for (const leaf of diff.changes) {
    const head = `${SIGN[leaf.status]} ${leaf.path}`;
    if (diff.labels.length === 2) {
      const [a, b] = leaf.values;
      const body = leaf.status === "changed" ? `${shown(a)} → ${shown(b)}` : leaf.status === "added" ? shown(b) : shown(a);
      lines.push(paint[leaf.status](`${head}: ${body}`));
    } else {
      lines.push(paint[leaf.status](head));
      leaf.values.forEach((v, s) => lines.push(`    ${tags[s].padEnd(labelWidth)}  ${shown(v)}`));
    }
    origins(leaf);
  }
  const { leaves, changed, added, removed } = diff.summary;
  const total = changed + added + removed;
  lines.push(
    total === 0
      ? c.dim(`No differences (${leaves} leaves compared)`)
      : `${c.yellow(`${changed} changed`)}, ${c.green(`${added} added`)}, ${c.red(`${removed} removed`)} (${leaves} leaves compared)`,
  );
  return lines.join("\n");
}

/** A JSON-ready form: labels, summary, the differing leaves and the full tree. */
export function diffToJson(diff: ConfigDiff): object {
  return { labels: diff.labels, summary: diff.summary, changes: diff.changes, tree: diff.root };
}
