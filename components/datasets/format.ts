export { formatBytes } from "@/lib/format/bytes";

/** A statistic for a table cell: 4 significant digits, "–" for missing. */
export function formatStat(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

export function formatDate(iso: string | null): string {
  return iso ? iso.replace("T", " ").replace(/:00(\.000)?Z$/, "Z") : "–";
}
