import { ZarrDataset } from "./dataset";
import { formatFrequency, isoSeconds } from "./dates";
import { describeGrid } from "./grid-info";
import { directorySize } from "./zarr-store";
import { formatBytes } from "../format/bytes";

/** A JSON-friendly summary of a dataset (`isobar datasets inspect`, the Datasets page). */
export type DatasetSummary = {
  path: string;
  name: string | null;
  uuid: string | null;
  description: string | null;
  licence: string | null;
  attribution: string | null;
  shape: number[];
  grid: { id: string; kind: string; description: string; points: number; fieldShape: unknown };
  dates: { start: string; end: string; frequency: string; count: number };
  missingDates: string[];
  ensembles: number;
  statisticsPeriod: { start: string | null; end: string | null };
  variables: { name: string; units: string | null; mean: number | null; stdev: number | null; minimum: number | null; maximum: number | null; constant: boolean }[];
  size: { bytes: number; files: number };
  compression: string | null;
  recipe: unknown;
};

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export async function inspectDataset(path: string): Promise<DatasetSummary> {
  const ds = await ZarrDataset.open(path);
  const a = ds.attrs;
  const size = await directorySize(ds.root);
  const isobar = a.isobar && typeof a.isobar === "object" ? (a.isobar as Record<string, unknown>) : {};
  return {
    path,
    name: str(a.name),
    uuid: str(a.uuid),
    description: str(a.description),
    licence: str(a.licence),
    attribution: str(a.attribution),
    shape: [...ds.shape],
    grid: { id: ds.grid.id, kind: ds.grid.kind, description: describeGrid(ds.grid), points: ds.grid.size, fieldShape: a.field_shape ?? null },
    dates: { start: isoSeconds(ds.dates[0]), end: isoSeconds(ds.dates[ds.dates.length - 1]), frequency: formatFrequency(ds.frequency), count: ds.dates.length },
    missingDates: ds.missingDates.map(isoSeconds),
    ensembles: ds.ensembles,
    statisticsPeriod: { start: str(a.statistics_start_date), end: str(a.statistics_end_date) },
    variables: ds.variables.map((name, k) => {
      const meta = ds.variablesMetadata[name] ?? {};
      return {
        name,
        units: str(meta.units),
        mean: num(ds.statistics.mean[k]),
        stdev: num(ds.statistics.stdev[k]),
        minimum: num(ds.statistics.minimum[k]),
        maximum: num(ds.statistics.maximum[k]),
        constant: meta.constant_in_time === true,
      };
    }),
    size,
    compression: str(isobar.compression),
    recipe: a.recipe ?? null,
  };
}

function g(v: number | null): string {
  return v === null ? "-" : Number(v.toPrecision(5)).toString();
}

/** Plain-text rendering of a summary. */
export function formatSummary(s: DatasetSummary): string {
  const lines: string[] = [];
  lines.push(`${s.path}${s.name ? ` (${s.name})` : ""}`);
  if (s.description) lines.push(`  ${s.description}`);
  lines.push(`shape       ${s.shape.join(" × ")} (dates, variables, ensembles, points)`);
  lines.push(`grid        ${s.grid.description} (${s.grid.id}), ${s.grid.points} points`);
  lines.push(`dates       ${s.dates.start} → ${s.dates.end}, every ${s.dates.frequency}, ${s.dates.count} dates`);
  lines.push(`missing     ${s.missingDates.length === 0 ? "none" : `${s.missingDates.length}: ${s.missingDates.slice(0, 10).join(", ")}${s.missingDates.length > 10 ? ", …" : ""}`}`);
  lines.push(`statistics  ${s.statisticsPeriod.start ?? "?"} → ${s.statisticsPeriod.end ?? "?"}`);
  lines.push(`size        ${formatBytes(s.size.bytes)} in ${s.size.files} files${s.compression ? ` (${s.compression})` : ""}`);
  if (s.licence || s.attribution) lines.push(`licence     ${s.licence ?? "?"}${s.attribution ? `, ${s.attribution}` : ""}`);
  if (s.uuid) lines.push(`uuid        ${s.uuid}`);
  lines.push("");
  const header = ["variable", "units", "mean", "stdev", "minimum", "maximum"];
  const rows = s.variables.map((v) => [v.name + (v.constant ? " (const)" : ""), v.units ?? "", g(v.mean), g(v.stdev), g(v.minimum), g(v.maximum)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  lines.push(fmt(header));
  for (const r of rows) lines.push(fmt(r));
  return lines.join("\n");
}
