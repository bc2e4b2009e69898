/** Parsing of init-time ranges and lead-time lists as the CLI and the jobs accept them. */
import { parseDateSpec, parseFrequency } from "../../lib/datasets/dates";
import { VerificationInputError } from "./forecasts";

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new VerificationInputError(e instanceof Error ? e.message : String(e));
  }
}

/** "2020-01-01:2020-01-31" (or "A..B", or one date) → [start, end] seconds; a partial end date covers its period. */
export function parseInitRange(text: string): { start: number; end: number } {
  const parts = text.includes("..") ? text.split("..") : text.split(/:(?=\d{4})/);
  if (parts.length > 2 || parts.some((p) => !p.trim())) throw new VerificationInputError(`bad init range '${text}' (use START:END, e.g. 2020-01-01:2020-01-31)`);
  const start = wrap(() => parseDateSpec(parts[0], "start"));
  const end = wrap(() => parseDateSpec(parts[parts.length - 1], parts.length === 1 ? "start" : "end"));
  if (end < start) throw new VerificationInputError(`bad init range '${text}': the end is before the start`);
  return { start, end };
}

/** Init times from a range at a step (e.g. "12h"). */
export function initTimes(range: string, step: string): number[] {
  const { start, end } = parseInitRange(range);
  const s = wrap(() => parseFrequency(step));
  const out: number[] = [];
  for (let t = start; t <= end; t += s) out.push(t);
  return out;
}

/**
 * Lead times in hours: "10d" (step, 2·step, … up to 10 days with the default step 24h),
 * "0:5d:6h" (start:end:step), or a list "6,12,24".
 */
export function parseLeads(text: string, defaultStep = "24h"): number[] {
  const hours = (s: string) => {
    const t = s.trim();
    if (/^\d+$/.test(t)) return Number(t);
    return wrap(() => parseFrequency(t)) / 3600;
  };
  let out: number[];
  if (text.includes(",")) out = text.split(",").map(hours);
  else {
    const parts = text.split(":");
    let start: number, end: number, step: number;
    if (parts.length === 1) {
      step = hours(defaultStep);
      start = step;
      end = hours(parts[0]);
    } else if (parts.length === 3) {
      [start, end, step] = parts.map(hours);
    } else throw new VerificationInputError(`bad lead times '${text}' (use e.g. 10d, 0:5d:6h or 6,12,24)`);
    if (!(step > 0)) throw new VerificationInputError(`bad lead times '${text}': the step must be positive`);
    out = [];
    for (let h = start; h <= end; h += step) out.push(h);
  }
  for (const h of out) if (!Number.isInteger(h) || h < 0) throw new VerificationInputError(`bad lead time ${h} h in '${text}': lead times are whole hours ≥ 0`);
  if (out.length === 0) throw new VerificationInputError(`no lead times in '${text}'`);
  const sorted = [...new Set(out)].sort((a, b) => a - b);
  return sorted;
}
