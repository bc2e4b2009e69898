/**
 * Group metric keys for display.
 *
 * anemoi-training logs per-variable validation metrics as
 *   `<name>_metric/<variable>/<lead>`  or  `<name>_metric/<dataset>/<variable>/<lead>`
 * e.g. `val_mse_metric/sfc_2t/1`, `val_mse_metric/era5/z_500/6h`, `val_out_hres_mse_metric/sfc_10u/1_scale_0`.
 * Those become a variable × lead-time matrix per (prefix, dataset, suffix). The lead is a number of
 * rollout steps (`1`) or hours (`6h`); anything after an underscore (`_scale_0`) is a variant suffix.
 * Every other key goes into a section named after its first '/' component ("" for keys without '/').
 */

export interface LeadTime {
  /** As written in the key, e.g. "1" or "6h". */
  label: string;
  unit: "steps" | "hours";
  value: number;
}

export interface AnemoiMetricKey {
  key: string;
  /** First component, e.g. "val_mse_metric". */
  prefix: string;
  dataset: string | null;
  variable: string;
  lead: LeadTime;
  /** Suffix after the lead, e.g. "scale_0"; null when absent. */
  variant: string | null;
}

export interface MetricMatrix {
  /** Stable id: prefix, dataset and variant joined, e.g. "val_mse_metric/era5#scale_0". */
  id: string;
  prefix: string;
  dataset: string | null;
  variant: string | null;
  /** Row labels: "all" first, then natural order (sfc_2t before sfc_10u). */
  variables: string[];
  /** Column labels, ascending (steps before hours when mixed). */
  leads: LeadTime[];
  /** cells[row][column] = the metric key, or null where nothing was logged. */
  cells: (string | null)[][];
  keys: string[];
}

export interface MetricSection {
  /** First path component; "" for keys without '/'. */
  name: string;
  keys: string[];
}

export interface MetricKeyGroups {
  matrices: MetricMatrix[];
  sections: MetricSection[];
}

const LEAD = /^(\d+(?:\.\d+)?)(h?)(?:_(.+))?$/;
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
const compareNatural = (a: string, b: string): number => natural.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

/** Recognise an anemoi-style per-variable metric key; null for anything else. */
export function parseAnemoiMetricKey(key: string): AnemoiMetricKey | null {
  const parts = key.split("/");
  if (parts.length !== 3 && parts.length !== 4) return null;
  if (parts.some((p) => p === "")) return null;
  const prefix = parts[0];
  if (!/_metrics?$/.test(prefix)) return null;
  const m = LEAD.exec(parts[parts.length - 1]);
  if (m === null) return null;
  const lead: LeadTime = { label: m[1] + m[2], unit: m[2] === "h" ? "hours" : "steps", value: Number(m[1]) };
  return {
    key,
    prefix,
    dataset: parts.length === 4 ? parts[1] : null,
    variable: parts[parts.length - 2],
    lead,
    variant: m[3] ?? null,
  };
}

function compareLeads(a: LeadTime, b: LeadTime): number {
  if (a.unit !== b.unit) return a.unit === "steps" ? -1 : 1;
  return a.value - b.value || compareNatural(a.label, b.label);
}

function compareVariables(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "all") return -1;
  if (b === "all") return 1;
  return compareNatural(a, b);
}

/** Group keys into anemoi matrices and generic sections. Duplicate keys are ignored. */
export function groupMetricKeys(keys: Iterable<string>): MetricKeyGroups {
  const unique = [...new Set(keys)];
  const byMatrix = new Map<string, AnemoiMetricKey[]>();
  const generic: string[] = [];
  for (const key of unique) {
    const parsed = parseAnemoiMetricKey(key);
    if (parsed === null) {
      generic.push(key);
      continue;
    }
    const id = `${parsed.prefix}${parsed.dataset === null ? "" : `/${parsed.dataset}`}${parsed.variant === null ? "" : `#${parsed.variant}`}`;
    const list = byMatrix.get(id);
    if (list === undefined) byMatrix.set(id, [parsed]);
    else list.push(parsed);
  }

  const matrices: MetricMatrix[] = [];
  for (const [id, entries] of byMatrix) {
    const variables = [...new Set(entries.map((e) => e.variable))].sort(compareVariables);
    const leadsByLabel = new Map<string, LeadTime>();
    for (const e of entries) leadsByLabel.set(e.lead.label, e.lead);
    const leads = [...leadsByLabel.values()].sort(compareLeads);
    const row = new Map(variables.map((v, i) => [v, i]));
    const col = new Map(leads.map((l, i) => [l.label, i]));
    const cells: (string | null)[][] = variables.map(() => leads.map(() => null));
    for (const e of entries) cells[row.get(e.variable) ?? 0][col.get(e.lead.label) ?? 0] = e.key;
    const first = entries[0];
    matrices.push({
      id,
      prefix: first.prefix,
      dataset: first.dataset,
      variant: first.variant,
      variables,
      leads,
      cells,
      keys: entries.map((e) => e.key).sort(compareNatural),
    });
  }
  matrices.sort((a, b) => compareNatural(a.id, b.id));

  const bySection = new Map<string, string[]>();
  for (const key of generic) {
    const slash = key.indexOf("/");
    const name = slash < 0 ? "" : key.slice(0, slash);
    const list = bySection.get(name);
    if (list === undefined) bySection.set(name, [key]);
    else list.push(key);
  }
  const sections = [...bySection.entries()]
    .map(([name, ks]) => ({ name, keys: ks.sort(compareNatural) }))
    .sort((a, b) => (a.name === "" ? -1 : b.name === "" ? 1 : compareNatural(a.name, b.name)));
  return { matrices, sections };
}
