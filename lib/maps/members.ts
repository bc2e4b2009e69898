/**
 * Ensemble members of a field (pure): which member, or the ensemble mean / spread, and lead-time
 * parsing. Shared by the field service and its tests.
 */

/** A member index, or a statistic over the members. */
export type MemberSpec = number | "mean" | "spread";

/** Parses `member=`: a non-negative integer, `mean` or `spread`; null when it is none of these. */
export function parseMemberSpec(s: string): MemberSpec | null {
  const t = s.trim();
  if (t === "mean" || t === "spread") return t;
  return /^\d{1,6}$/.test(t) ? Number(t) : null;
}

/**
 * Ensemble mean of `members` fields (each from `member(m)`), point by point. A NaN member makes
 * the point NaN (as the scores do).
 */
export function ensembleMean(members: number, member: (m: number) => ArrayLike<number>, points: number): Float32Array {
  const sum = new Float64Array(points);
  for (let m = 0; m < members; m++) {
    const f = member(m);
    for (let p = 0; p < points; p++) sum[p] += f[p];
  }
  const out = new Float32Array(points);
  for (let p = 0; p < points; p++) out[p] = sum[p] / members;
  return out;
}

/**
 * Ensemble spread: the standard deviation over members with divisor M − 1
 * (verification.md: s² = (1/(M−1)) Σ (x_m − x̄)², 0 when M = 1). Two passes (mean, then squares).
 */
export function ensembleSpread(members: number, member: (m: number) => ArrayLike<number>, points: number): Float32Array {
  const out = new Float32Array(points);
  if (members < 2) {
    for (let m = 0; m < members; m++) {
      const f = member(m);
      for (let p = 0; p < points; p++) if (Number.isNaN(f[p])) out[p] = NaN;
    }
    return out;
  }
  const mean = new Float64Array(points);
  for (let m = 0; m < members; m++) {
    const f = member(m);
    for (let p = 0; p < points; p++) mean[p] += f[p];
  }
  for (let p = 0; p < points; p++) mean[p] /= members;
  const ss = new Float64Array(points);
  for (let m = 0; m < members; m++) {
    const f = member(m);
    for (let p = 0; p < points; p++) {
      const d = f[p] - mean[p];
      ss[p] += d * d;
    }
  }
  for (let p = 0; p < points; p++) out[p] = Math.sqrt(ss[p] / (members - 1));
  return out;
}

/** One field of an ensemble by spec; `members` fields come from `member(m)`. */
export function memberField(spec: MemberSpec, members: number, member: (m: number) => Float32Array, points: number): Float32Array {
  if (spec === "mean") return members === 1 ? member(0) : ensembleMean(members, member, points);
  if (spec === "spread") return ensembleSpread(members, member, points);
  return member(spec);
}

/**
 * Parses a lead time: whole hours (`24`, `24h`) or days (`2d`); null when the text is not one.
 */
export function parseLeadHours(s: string): number | null {
  const m = /^\s*(\d{1,6})\s*([hd]?)\s*$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2].toLowerCase() === "d" ? n * 24 : n;
}

/** "36 h", "2 d", "2 d 6 h": a lead time for labels. */
export function formatLead(hours: number): string {
  if (hours < 24) return `${hours} h`;
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h ? `${d} d ${h} h` : `${d} d`;
}
