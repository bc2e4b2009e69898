/**
 * Dates and frequencies as anemoi writes and accepts them. Internally a date is a whole number
 * of seconds since 1970-01-01T00:00:00 UTC (the int64 stored in `dates` with dtype `<M8[s]`).
 */

export class DateSpecError extends Error {}

const FREQ_UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400 };

/** `6h`, `30m`, `1d`, `PT6H`, `P1D`, `PT1H30M` or a number of hours → seconds. */
export function parseFrequency(value: string | number): number {
  if (typeof value === "number") {
    if (!(value > 0) || !Number.isFinite(value)) throw new DateSpecError(`invalid frequency ${value}: must be a positive number of hours`);
    return Math.round(value * 3600);
  }
  const text = value.trim();
  const simple = /^(\d+)\s*(s|m|min|h|d)$/i.exec(text);
  if (simple) {
    const seconds = Number(simple[1]) * FREQ_UNITS[simple[2].toLowerCase()];
    if (seconds > 0) return seconds;
  }
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text);
  if (iso && text.length > 1 && !/T$/i.test(text)) {
    const [, d, h, m, s] = iso;
    const seconds = Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
    if (seconds > 0) return seconds;
  }
  throw new DateSpecError(`invalid frequency '${value}' (use e.g. 6h, 30m, 1d or PT6H)`);
}

/** Seconds → anemoi's frequency string: `1d` for whole days, else `6h`, `30m`, `10s`. */
export function formatFrequency(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Frequency in hours, as text for messages (`6h`, `24h`). */
export function frequencyHoursText(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : formatFrequency(seconds);
}

/** `2020-01-01T06:00:00` (no zone; anemoi's ISO format for attributes). */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}

export function toEpochSeconds(d: Date): number {
  return Math.round(d.getTime() / 1000);
}

export function fromEpochSeconds(s: number): Date {
  return new Date(s * 1000);
}

function utc(y: number, mo = 1, d = 1, h = 0, mi = 0, s = 0): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

function checked(epoch: number, original: unknown): number {
  if (!Number.isFinite(epoch)) throw new DateSpecError(`invalid date '${String(original)}'`);
  return epoch;
}

/**
 * Parse a date as anemoi accepts it: `2020`, `"2020-03"`, `20200301`, `"2020-03-01"`,
 * `"2020-03-01T06"`, `"2020-03-01T06:00:00Z"`, a JS Date. With `bound: "end"` a partial date
 * means the last instant of the period (`end: 2020` includes every date of 2020).
 */
export function parseDateSpec(value: string | number | Date, bound: "start" | "end" = "start"): number {
  if (value instanceof Date) return checked(toEpochSeconds(value), value);
  const text = String(value).trim();
  const end = bound === "end";
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(text))) {
    const y = Number(m[1]);
    return end ? utc(y + 1) - 1 : utc(y);
  }
  if ((m = /^(\d{4})-?(\d{2})$/.exec(text)) && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    return end ? utc(y, mo + 1) - 1 : utc(y, mo);
  }
  if ((m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text))) {
    const start = utc(Number(m[1]), Number(m[2]), Number(m[3]));
    validDay(m, text);
    return end ? start + 86399 : start;
  }
  m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2})(?::(\d{2})(?::(\d{2}))?)?(?:\.\d+)?(Z|[+-]00:?00)?$/.exec(text);
  if (m) {
    validDay(m, text);
    const hasMinutes = m[5] !== undefined;
    const hasSeconds = m[6] !== undefined;
    const start = utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0));
    if (Number(m[4]) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) throw new DateSpecError(`invalid date '${text}'`);
    if (!end || hasSeconds) return start;
    return start + (hasMinutes ? 59 : 3599);
  }
  throw new DateSpecError(`invalid date '${text}' (use e.g. 2020, 2020-03, 2020-03-01 or 2020-03-01T06:00:00)`);
}

function validDay(m: RegExpExecArray, text: string): void {
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || back.getUTCDate() !== d) throw new DateSpecError(`invalid date '${text}'`);
}

/** Every date from start to end inclusive at the given step (all in seconds). */
export function dateRange(start: number, end: number, step: number): number[] {
  if (end < start) throw new DateSpecError(`end date ${isoSeconds(end)} is before start date ${isoSeconds(start)}`);
  const out: number[] = [];
  for (let t = start; t <= end; t += step) out.push(t);
  return out;
}

/** anemoi's default statistics window: ≥ 20 years → drop the last 3 years; ≥ 10 years → drop the last year; else the first 80 %. */
export function defaultStatisticsWindow(dates: readonly number[]): { start: number; end: number } {
  const first = dates[0];
  const last = dates[dates.length - 1];
  const years = (last - first) / (365.25 * 86400);
  const lastYear = new Date(last * 1000).getUTCFullYear();
  if (years >= 20) return { start: first, end: utc(lastYear - 2) - 1 };
  if (years >= 10) return { start: first, end: utc(lastYear) - 1 };
  const n = Math.max(1, Math.floor(dates.length * 0.8));
  return { start: first, end: dates[n - 1] };
}
