import pc from "picocolors";
import type { JobState } from "../lib/jobs/states";

/** Left-aligned columns separated by two spaces; widths from the widest cell. */
export function columns(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => stripAnsi(r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - stripAnsi(c).length))).join("  ");
  return [pc.bold(line(header)), ...rows.map(line)].join("\n");
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

export function colourState(state: JobState): string {
  switch (state) {
    case "completed":
      return pc.green(state);
    case "failed":
      return pc.red(state);
    case "cancelled":
      return pc.yellow(state);
    case "running":
      return pc.cyan(state);
    default:
      return pc.dim(state);
  }
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(0)}%`;
}
