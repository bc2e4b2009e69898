import { lmIndex } from "./legendre";
import { normalPair, streamKey } from "./rng";

/**
 * A set of spherical-harmonic modes (l = 1..L, m = 0..l) whose real coefficients (A_lm, B_lm) of
 *   ψ(φ, λ, t) = Σ P̄_lm(sin φ) (A_lm cos mλ + B_lm sin mλ)
 * follow damped, noise-driven Rossby–Haurwitz waves: with Z = A + iB,
 *   dZ = (iω_lm − γ_l) Z dt + σ_l √(2γ_l) dW,   ω_lm = m U/a − 2Ω m / (l(l+1)),
 * a complex Ornstein–Uhlenbeck process. The phase of A cos mλ + B sin mλ = R cos(mλ − θ) then
 * grows at ω, so the wave moves eastwards at ω/m: advection by a solid-body zonal flow U minus
 * the Rossby–Haurwitz westward drift. Its stationary variance per component is σ_l², so ψ has
 * point variance Σ_l σ_l²(2l+1) everywhere (see legendre.ts).
 *
 * Time runs on an hourly lattice k = hours since 1970-01-01T00Z. The exact one-hour transition
 *   Z_k = e^{iω−γ} Z_{k−1} + σ √(1 − e^{−2γ}) ξ_k
 * uses noise ξ_k from a counter-based generator (rng.ts), so ξ_k is a pure function of
 * (seed, stream, mode, k). See ModeProcess for random access.
 */

export const EARTH_RADIUS = 6.371e6;
export const OMEGA = 7.292115e-5;

export type ModeSetParams = {
  /** Maximum degree L. */
  degree: number;
  seed: number;
  /** Distinguishes independent mode sets with the same seed. */
  stream: number;
  /** Unnormalised variance of degree l (sum over m); the set is scaled so ψ has unit variance. */
  spectrum: (l: number) => number;
  /** Solid-body zonal flow U (m/s) that advects the waves. */
  zonalFlow: number;
  /** e-folding damping time of degree l, in hours. */
  dampingHours: (l: number) => number;
  /** Lamb parameter ε = 4Ω²a²/(gH) of an equivalent-barotropic fluid of depth H (0: non-divergent). */
  lamb?: number;
};

export class ModeSet {
  readonly L: number;
  /** Number of complex modes, L(L+3)/2. */
  readonly count: number;
  readonly l: Int32Array;
  readonly m: Int32Array;
  /** Index of (l, m) in packed Legendre tables. */
  readonly lm: Int32Array;
  /** Stationary standard deviation of A and of B (B ≡ 0 for m = 0). */
  readonly sigma: Float64Array;
  /** Damping rate γ per hour and frequency ω (rad per hour). */
  readonly gamma: Float64Array;
  readonly omega: Float64Array;
  /** One-hour transition e^{−γ}(cos ω, sin ω) and noise amplitude σ√(1−e^{−2γ}). */
  readonly rotC: Float64Array;
  readonly rotS: Float64Array;
  readonly noise: Float64Array;
  readonly keyA: Uint32Array;
  readonly keyB: Uint32Array;

  constructor(p: ModeSetParams) {
    const L = p.degree;
    this.L = L;
    const n = (L * (L + 3)) / 2;
    this.count = n;
    this.l = new Int32Array(n);
    this.m = new Int32Array(n);
    this.lm = new Int32Array(n);
    this.sigma = new Float64Array(n);
    this.gamma = new Float64Array(n);
    this.omega = new Float64Array(n);
    this.rotC = new Float64Array(n);
    this.rotS = new Float64Array(n);
    this.noise = new Float64Array(n);
    this.keyA = new Uint32Array(n);
    this.keyB = new Uint32Array(n);
    let total = 0;
    for (let l = 1; l <= L; l++) total += p.spectrum(l);
    let j = 0;
    for (let l = 1; l <= L; l++) {
      const s = Math.sqrt(p.spectrum(l) / total / (2 * l + 1));
      const g = 1 / p.dampingHours(l);
      for (let m = 0; m <= l; m++, j++) {
        this.l[j] = l;
        this.m[j] = m;
        this.lm[j] = lmIndex(l, m);
        this.sigma[j] = s;
        this.gamma[j] = g;
        const w = m === 0 ? 0 : 3600 * ((m * p.zonalFlow) / EARTH_RADIUS - (2 * OMEGA * m) / (l * (l + 1) + (p.lamb ?? 0)));
        this.omega[j] = w;
        const r = Math.exp(-g);
        this.rotC[j] = r * Math.cos(w);
        this.rotS[j] = r * Math.sin(w);
        this.noise[j] = s * Math.sqrt(1 - r * r);
        const key = streamKey(p.seed, p.stream, j);
        this.keyA[j] = key.a;
        this.keyB[j] = key.b;
      }
    }
  }

  /** Slowest damping rate (per hour). */
  minGamma(): number {
    let g = Infinity;
    for (let j = 0; j < this.count; j++) g = Math.min(g, this.gamma[j]);
    return g;
  }
}

/** Hours per checkpoint block. */
export const BLOCK_HOURS = 240;
/** Contributions older than this fraction of the stationary amplitude are dropped (e^{−γ·age} < ε). */
export const MEMORY_EPSILON = 1e-9;
const RING = 8;

/**
 * Random-access evaluation of a ModeSet's state at any hour k, exactly reproducible whatever the
 * order of requests:
 *
 * - Time is cut into blocks of BLOCK_HOURS. The state at the start S_b = b·P of block b (the
 *   checkpoint C_b) is the sum over earlier blocks of their *block increments* (the state each
 *   block's own noise builds from zero, a deterministic function of the block index), propagated
 *   to S_b:  C_b = Σ_{i=b−n}^{b−1} R^{P(b−1−i)} I_i, evaluated oldest first (Horner), mode by mode.
 *   For mode j, blocks older than n_j = ⌈ln(1/ε)/(γ_j P)⌉ contribute less than ε = 1e-9 of its
 *   stationary amplitude and are dropped; that truncation is the only difference from an
 *   infinitely long integration. Increments are computed per mode and lazily, so slowly damped
 *   (large-scale) modes look further back than fast ones.
 * - The state at k in block b is the one-hour recursion from C_b over S_b+1..k. Consecutive
 *   requests in the same block continue from the last state (O(modes) per hour); a request in
 *   another block restarts from its checkpoint (≤ P hours). Both take the identical arithmetic
 *   path, so random access and sequential evaluation agree bit for bit.
 * - Block increments and checkpoints are cached (LRU), so a first access far from previous ones
 *   costs Σ_j n_j·P mode-hours of noise (≈ 14 blocks on average with the default damping), later
 *   ones at most P hours.
 */
export class ModeProcess {
  readonly set: ModeSet;
  /** Blocks of memory per mode: n_j = ⌈ln(1/ε)/(γ_j P)⌉. */
  readonly blocksBack: Int32Array;
  private readonly maxBlocks: number;
  private readonly incCache = new Map<number, { s: Float64Array; done: Uint8Array }>();
  private readonly ckCache = new Map<number, Float64Array>();
  private readonly blockC: Float64Array;
  private readonly blockS: Float64Array;
  private readonly cur: Float64Array;
  private curK = Number.NaN;
  private readonly ring: Float64Array;
  private readonly ringK = new Float64Array(RING).fill(Number.NaN);
  private readonly pair = new Float64Array(2);

  constructor(set: ModeSet) {
    this.set = set;
    const n = set.count;
    this.blocksBack = new Int32Array(n);
    let maxBlocks = 1;
    this.blockC = new Float64Array(n);
    this.blockS = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const nb = Math.max(1, Math.ceil(Math.log(1 / MEMORY_EPSILON) / (set.gamma[j] * BLOCK_HOURS)));
      this.blocksBack[j] = nb;
      maxBlocks = Math.max(maxBlocks, nb);
      const r = Math.exp(-set.gamma[j] * BLOCK_HOURS);
      this.blockC[j] = r * Math.cos(set.omega[j] * BLOCK_HOURS);
      this.blockS[j] = r * Math.sin(set.omega[j] * BLOCK_HOURS);
    }
    this.maxBlocks = maxBlocks;
    this.cur = new Float64Array(2 * n);
    this.ring = new Float64Array(RING * 2 * n);
  }

  /** Advances `s` (interleaved A, B) from hour k−1 to hour k. */
  private step(s: Float64Array, k: number): void {
    const { count, rotC, rotS, noise, keyA, keyB, m } = this.set;
    const pr = this.pair;
    for (let j = 0; j < count; j++) {
      const a = s[2 * j];
      const b = s[2 * j + 1];
      normalPair(keyA[j], keyB[j], k, pr);
      if (m[j] === 0) {
        s[2 * j] = rotC[j] * a + noise[j] * pr[0];
      } else {
        s[2 * j] = rotC[j] * a - rotS[j] * b + noise[j] * pr[0];
        s[2 * j + 1] = rotS[j] * a + rotC[j] * b + noise[j] * pr[1];
      }
    }
  }

  /**
   * Block increment of block b for mode j: the state the block's own noise builds from zero over
   * hours bP+1 .. (b+1)P. The same per-mode arithmetic as step(), so modes can be filled lazily.
   */
  private increment(b: number, j: number): Float64Array {
    let e = this.incCache.get(b);
    if (e) {
      this.incCache.delete(b);
      this.incCache.set(b, e);
    } else {
      e = { s: new Float64Array(2 * this.set.count), done: new Uint8Array(this.set.count) };
      this.incCache.set(b, e);
      if (this.incCache.size > 2 * this.maxBlocks + 8) {
        const oldest = this.incCache.keys().next().value as number;
        this.incCache.delete(oldest);
      }
    }
    if (!e.done[j]) {
      const { rotC, rotS, noise, keyA, keyB, m } = this.set;
      const pr = this.pair;
      const c = rotC[j];
      const sn = rotS[j];
      const amp = noise[j];
      const ka = keyA[j];
      const kb = keyB[j];
      let a = 0;
      let bb = 0;
      const k0 = b * BLOCK_HOURS;
      for (let k = k0 + 1; k <= k0 + BLOCK_HOURS; k++) {
        normalPair(ka, kb, k, pr);
        if (m[j] === 0) {
          a = c * a + amp * pr[0];
        } else {
          const na = c * a - sn * bb + amp * pr[0];
          bb = sn * a + c * bb + amp * pr[1];
          a = na;
        }
      }
      e.s[2 * j] = a;
      e.s[2 * j + 1] = bb;
      e.done[j] = 1;
    }
    return e.s;
  }

  /** Checkpoint C_b: the state at hour b·P (each mode summed over its own n_j previous blocks). */
  checkpoint(b: number): Float64Array {
    const hit = this.ckCache.get(b);
    if (hit) return hit;
    const n = this.set.count;
    const acc = new Float64Array(2 * n);
    const { blockC, blockS, blocksBack } = this;
    for (let age = this.maxBlocks - 1; age >= 0; age--) {
      const i = b - 1 - age;
      for (let j = 0; j < n; j++) {
        if (blocksBack[j] <= age) continue;
        const inc = this.increment(i, j);
        const a = acc[2 * j];
        const c = acc[2 * j + 1];
        acc[2 * j] = blockC[j] * a - blockS[j] * c + inc[2 * j];
        acc[2 * j + 1] = blockS[j] * a + blockC[j] * c + inc[2 * j + 1];
      }
    }
    this.ckCache.set(b, acc);
    if (this.ckCache.size > 16) {
      const oldest = this.ckCache.keys().next().value as number;
      this.ckCache.delete(oldest);
    }
    return acc;
  }

  private remember(k: number, s: Float64Array): void {
    const slot = ((k % RING) + RING) % RING;
    this.ring.set(s, slot * s.length);
    this.ringK[slot] = k;
  }

  /** Writes the state (interleaved A_j, B_j) at integer hour k into out (length 2·count). */
  stateAt(k: number, out: Float64Array): void {
    if (!Number.isInteger(k)) throw new Error(`hour index must be an integer, got ${k}`);
    const len = 2 * this.set.count;
    const slot = ((k % RING) + RING) % RING;
    if (this.ringK[slot] === k) {
      out.set(this.ring.subarray(slot * len, (slot + 1) * len));
      return;
    }
    const b = Math.floor(k / BLOCK_HOURS);
    const start = b * BLOCK_HOURS;
    const cur = this.cur;
    let from: number;
    if (this.curK <= k && Math.floor(this.curK / BLOCK_HOURS) === b) {
      from = this.curK;
    } else {
      cur.set(this.checkpoint(b));
      from = start;
      this.remember(start, cur);
    }
    for (let h = from + 1; h <= k; h++) {
      this.step(cur, h);
      if (k - h < RING) this.remember(h, cur);
    }
    this.curK = k;
    out.set(cur);
  }
}
