/**
 * WebAssembly SIMD (v128) versions of the segment kernels of kernels.ts, as
 * WebAssembly text generated here and compiled with binaryen (simd-compile.ts).
 * The generated code computes exactly the records of kernels.ts (same layout,
 * same NaN rules); only the order of the floating-point additions differs
 * (per lane, lanes added at the end of a segment), so the sums agree with the
 * JavaScript kernels to rounding.
 *
 * Memory: one imported memory ("env" "memory", shared so that worker threads
 * read the same fields in place). All pointers are byte offsets into it.
 * Every array must be followed by at least 24 bytes of readable memory: the
 * last group of a segment loads whole vectors and masks the lanes past its end
 * (SimdMemory leaves 32).
 *
 * Ensemble kernel, specialised for M members. Four points go through together,
 * one per f32x4 lane: member k of points p … p+3 is one vector load (the
 * members are member-major, contiguous over points). The M vectors are sorted
 * with a sorting network (Batcher's odd–even merge sort for the next power of
 * two, minus the comparators that touch padding: padding +∞ never moves), one
 * compare-exchange being f32x4.pmin + f32x4.pmax (single x86 instructions;
 * their NaN behaviour does not matter because a lane with a NaN member is
 * dropped anyway, and sorting float32 values is exact). The sorted values are
 * promoted to float64 and e = x − y is formed exactly as in kernels.ts, so
 * every per-point term is computed in float64: S = Σ|e|/M,
 * D = 2 Σ_k (2k + 1 − M) e_(k), the mean error, the variance about the mean
 * (Σe² − M·ē², clamped at 0), and the rank of the truth (count of members
 * below it, ties spread over the tied ranks), counted in float32 compares
 * which give the same answer as the float64 ones.
 */

/** Comparators (i, j), i < j, of an odd–even merge sort of m values (padding to a power of two pruned). */
export function sortingNetwork(m: number): [number, number][] {
  let size = 1;
  while (size < m) size *= 2;
  const out: [number, number][] = [];
  for (let p = 1; p < size; p *= 2) {
    for (let k = p; k >= 1; k = Math.floor(k / 2)) {
      for (let j = k % p; j <= size - 1 - k; j += 2 * k) {
        for (let i = 0; i <= Math.min(k - 1, size - j - k - 1); i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) {
            const a = i + j;
            const b = i + j + k;
            if (b < m) out.push([a, b]);
          }
        }
      }
    }
  }
  return out;
}

const MEMORY = `(import "env" "memory" (memory 1 65536 shared))`;

const f64 = (x: number) => `(f64.const ${x})`;
const splat = (x: number) => `(v128.const f64x2 ${x} ${x})`;
const get = (name: string) => `(local.get $${name})`;
const set = (name: string, v: string) => `(local.set $${name} ${v})`;
const addTo = (name: string, v: string, op = "f64x2.add") => set(name, `(${op} ${get(name)} ${v})`);
/** Both lanes of an f64x2 added: lane 0 + lane 1. */
const hsum2 = (v: string) => `(f64.add (f64x2.extract_lane 0 ${v}) (f64x2.extract_lane 1 ${v}))`;

/** The segment range [a, b) of segment $s clipped to [$lo, $hi) (b ≥ a), and its weight $wt. */
const segmentBounds = `
    (local.set $a (i32.load (i32.add (local.get $start) (i32.shl (local.get $s) (i32.const 2)))))
    (local.set $b (i32.load (i32.add (local.get $start) (i32.shl (i32.add (local.get $s) (i32.const 1)) (i32.const 2)))))
    (if (i32.lt_s (local.get $a) (local.get $lo)) (then (local.set $a (local.get $lo))))
    (if (i32.gt_s (local.get $b) (local.get $hi)) (then (local.set $b (local.get $hi))))
    (if (i32.lt_s (local.get $b) (local.get $a)) (then (local.set $b (local.get $a))))
    (local.set $wt (f64.load (i32.add (local.get $segw) (i32.shl (local.get $s) (i32.const 3)))))`;

/** Store v at out[s · stride + k] (float64). */
const store = (stride: number, k: number, v: string) =>
  `(f64.store offset=${8 * k} (i32.add (local.get $out) (i32.mul (local.get $s) (i32.const ${8 * stride}))) ${v})`;

/**
 * The deterministic kernels `det_plain` (no climatology) and `det_anom`.
 * Signature: (f, o, c, w, start, segw, uniform, s0, s1, lo, hi, out); f, o,
 * c float32, w and segw float64, start int32. Record layout: kernels.ts
 * (DET_RECORD = 12). Two points per f64x2; on uniform segments a first pass
 * without NaN checks (four points per step, two sets of sums), and, as in
 * kernels.ts, a second pass with per-lane masks only for segments whose sums
 * came out NaN. Per-point weights always take the masked pass.
 */
function deterministicFunction(anomaly: boolean): string {
  const name = anomaly ? "det_anom" : "det_plain";
  const sums = ["se", "sae", "se2", "so", "soo", "seo"].filter((k) => anomaly || !k.startsWith("so") && k !== "seo");
  const loadPair = (ptr: string, off: number) =>
    `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${off} (i32.add (local.get $${ptr}) (i32.shl (local.get $p) (i32.const 2)))))`;
  /** Unmasked sums of the pair at p + 2·pair into set `t` (A or B); `tail` masks lane 1 off. */
  const fastPair = (t: string, pair: number, tail: boolean) => {
    const mask = (v: string) => (tail ? `(v128.and ${v} (local.get $lane))` : v);
    const lines = [set("ov", loadPair("o", 8 * pair)), set("e", mask(`(f64x2.sub ${loadPair("f", 8 * pair)} ${get("ov")})`))];
    lines.push(addTo(`se${t}`, get("e")), addTo(`sae${t}`, `(f64x2.abs ${get("e")})`), addTo(`se2${t}`, `(f64x2.mul ${get("e")} ${get("e")})`));
    if (anomaly) {
      lines.push(set("oa", mask(`(f64x2.sub ${get("ov")} ${loadPair("c", 8 * pair)})`)));
      lines.push(addTo(`so${t}`, get("oa")), addTo(`soo${t}`, `(f64x2.mul ${get("oa")} ${get("oa")})`), addTo(`seo${t}`, `(f64x2.mul ${get("e")} ${get("oa")})`));
    }
    return lines.join("\n");
  };
  /** Masked sums of the pair at p (lane 1 off when only one point is left), weighted by W (1 on uniform segments). */
  const maskedPair = `
      (local.set $lane (i64x2.lt_s (v128.const i64x2 0 1) (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $b) (local.get $p))))))
      (local.set $ov ${loadPair("o", 0)})
      (local.set $e (f64x2.sub ${loadPair("f", 0)} (local.get $ov)))
      (local.set $m1 (v128.and (local.get $lane) (f64x2.eq (local.get $e) (local.get $e))))
      (local.set $W (v128.and (local.get $m1)
        (select (result v128) (v128.const f64x2 1 1) (v128.load (i32.add (local.get $w) (i32.shl (local.get $p) (i32.const 3)))) (local.get $uniform))))
      (local.set $e1 (v128.and (local.get $e) (local.get $m1)))
      (local.set $we (f64x2.mul (local.get $W) (local.get $e1)))
      (local.set $cnt (i64x2.sub (local.get $cnt) (local.get $m1)))
      ${addTo("sw", get("W"))}
      ${addTo("seA", get("we"))}
      ${addTo("saeA", `(f64x2.abs ${get("we")})`)}
      ${addTo("se2A", `(f64x2.mul ${get("we")} ${get("e1")})`)}
      ${
        anomaly
          ? `(local.set $oa (f64x2.sub (local.get $ov) ${loadPair("c", 0)}))
      (local.set $m2 (v128.and (local.get $m1) (f64x2.eq (local.get $oa) (local.get $oa))))
      (local.set $acnt (i64x2.sub (local.get $acnt) (local.get $m2)))
      (local.set $W (v128.and (local.get $W) (local.get $m2)))
      (local.set $e1 (v128.and (local.get $e) (local.get $m2)))
      (local.set $oa (v128.and (local.get $oa) (local.get $m2)))
      (local.set $we (f64x2.mul (local.get $W) (local.get $e1)))
      (local.set $woa (f64x2.mul (local.get $W) (local.get $oa)))
      ${addTo("asw", get("W"))}
      ${addTo("aseA", get("we"))}
      ${addTo("ase2A", `(f64x2.mul ${get("we")} ${get("e1")})`)}
      ${addTo("soA", get("woa"))}
      ${addTo("sooA", `(f64x2.mul ${get("woa")} ${get("oa")})`)}
      ${addTo("seoA", `(f64x2.mul ${get("we")} ${get("oa")})`)}`
          : ""
      }
      (local.set $p (i32.add (local.get $p) (i32.const 2)))`;
  const allSums = anomaly ? [...sums, "ase", "ase2"] : sums;
  const zero = (names: string[]) => names.map((k) => set(k, "(v128.const i64x2 0 0)")).join("\n");
  const total = (k: string) => hsum2(`(f64x2.add ${get(`${k}A`)} ${get(`${k}B`)})`);
  const i64total = (v: string) =>
    `(f64.convert_i64_s (i64.add (i64x2.extract_lane 0 ${v}) (i64x2.extract_lane 1 ${v})))`;
  const vlocals = [
    ...allSums.flatMap((k) => [`${k}A`, `${k}B`]),
    "e", "ov", "oa", "e1", "we", "woa", "W", "m1", "m2", "lane", "cnt", "acnt", "sw", "asw",
  ];
  return `
  (func $${name} (export "${name}")
    (param $f i32) (param $o i32) (param $c i32) (param $w i32) (param $start i32) (param $segw i32) (param $uniform i32)
    (param $s0 i32) (param $s1 i32) (param $lo i32) (param $hi i32) (param $out i32)
    (local $s i32) (local $a i32) (local $b i32) (local $p i32) (local $wt f64) (local $n f64) (local $chk f64)
    ${vlocals.map((v) => `(local $${v} v128)`).join(" ")}
    (local.set $s (local.get $s0))
    (block $done (loop $segs
      (br_if $done (i32.ge_s (local.get $s) (local.get $s1)))
      ${segmentBounds}
      (local.set $chk (f64.const nan))
      (if (local.get $uniform) (then
        ${zero(sums.flatMap((k) => [`${k}A`, `${k}B`]))}
        (local.set $p (local.get $a))
        (block $x4 (loop $l4
          (br_if $x4 (i32.gt_s (i32.add (local.get $p) (i32.const 4)) (local.get $b)))
          ${fastPair("A", 0, false)}
          ${fastPair("B", 1, false)}
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $l4)))
        (block $x2 (loop $l2
          (br_if $x2 (i32.ge_s (local.get $p) (local.get $b)))
          (local.set $lane (i64x2.lt_s (v128.const i64x2 0 1) (i64x2.splat (i64.extend_i32_s (i32.sub (local.get $b) (local.get $p))))))
          ${fastPair("A", 0, true)}
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (br $l2)))
        (local.set $chk ${anomaly ? `(f64.add ${total("se")} ${total("so")})` : total("se")})
        (if (f64.eq (local.get $chk) (local.get $chk)) (then
          (local.set $n (f64.convert_i32_s (i32.sub (local.get $b) (local.get $a))))
          ${store(12, 0, get("n"))}
          ${store(12, 1, `(f64.mul ${get("wt")} ${get("n")})`)}
          ${store(12, 2, `(f64.mul ${get("wt")} ${total("se")})`)}
          ${store(12, 3, `(f64.mul ${get("wt")} ${total("sae")})`)}
          ${store(12, 4, `(f64.mul ${get("wt")} ${total("se2")})`)}
          ${
            anomaly
              ? `${store(12, 5, get("n"))}
          ${store(12, 6, `(f64.mul ${get("wt")} ${get("n")})`)}
          ${store(12, 7, `(f64.mul ${get("wt")} ${total("se")})`)}
          ${store(12, 8, `(f64.mul ${get("wt")} ${total("se2")})`)}
          ${store(12, 9, `(f64.mul ${get("wt")} ${total("so")})`)}
          ${store(12, 10, `(f64.mul ${get("wt")} ${total("soo")})`)}
          ${store(12, 11, `(f64.mul ${get("wt")} ${total("seo")})`)}`
              : [5, 6, 7, 8, 9, 10, 11].map((k) => store(12, k, f64(0))).join("\n")
          }))))
      (if (f64.ne (local.get $chk) (local.get $chk)) (then
        ${zero(["cnt", "acnt", "sw", "asw", ...allSums.map((k) => `${k}A`)])}
        (local.set $p (local.get $a))
        (block $xm (loop $lm
          (br_if $xm (i32.ge_s (local.get $p) (local.get $b)))
          ${maskedPair}
          (br $lm)))
        ${store(12, 0, i64total(get("cnt")))}
        ${store(12, 1, `(f64.mul ${get("wt")} ${hsum2(get("sw"))})`)}
        ${store(12, 2, `(f64.mul ${get("wt")} ${hsum2(get("seA"))})`)}
        ${store(12, 3, `(f64.mul ${get("wt")} ${hsum2(get("saeA"))})`)}
        ${store(12, 4, `(f64.mul ${get("wt")} ${hsum2(get("se2A"))})`)}
        ${
          anomaly
            ? `${store(12, 5, i64total(get("acnt")))}
        ${store(12, 6, `(f64.mul ${get("wt")} ${hsum2(get("asw"))})`)}
        ${store(12, 7, `(f64.mul ${get("wt")} ${hsum2(get("aseA"))})`)}
        ${store(12, 8, `(f64.mul ${get("wt")} ${hsum2(get("ase2A"))})`)}
        ${store(12, 9, `(f64.mul ${get("wt")} ${hsum2(get("soA"))})`)}
        ${store(12, 10, `(f64.mul ${get("wt")} ${hsum2(get("sooA"))})`)}
        ${store(12, 11, `(f64.mul ${get("wt")} ${hsum2(get("seoA"))})`)}`
            : [5, 6, 7, 8, 9, 10, 11].map((k) => store(12, k, f64(0))).join("\n")
        }))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $segs))))`;
}

/** WebAssembly text of the deterministic module (exports det_plain, det_anom). */
export function deterministicWat(): string {
  return `(module ${MEMORY} ${deterministicFunction(false)} ${deterministicFunction(true)})`;
}

/**
 * WebAssembly text of the ensemble module for M members (export `ens`).
 * Signature: (members, n, truth, w, start, segw, uniform, s0, s1, lo, hi,
 * out, hist); members float32 member-major (member k of point p at
 * members + 4·(k·n + p)), record layout kernels.ts (ENS_RECORD = 7, then
 * M + 1 histogram bins per segment at hist).
 */
export function ensembleWat(m: number): string {
  if (!Number.isInteger(m) || m < 1) throw new Error(`ensembleWat: M must be a positive integer, got ${m}`);
  const xs = Array.from({ length: m }, (_, k) => `x${k}`);
  const sums = ["W", "S", "D", "V", "ME", "MSE"];
  const vlocals = [
    ...xs, "t", "y", "yL", "yH", "lanes", "nan", "below", "ties", "valid", "cnt", "eL", "eH", "pL", "pH",
    "sumL", "sumH", "sqL", "sqH", "absL", "absH", "dL", "dH", "WL", "WH", "mL", "mH", "meL", "meH",
    ...sums.flatMap((k) => [`a${k}L`, `a${k}H`]),
  ];
  const invM = 1 / m;
  const invM1 = m > 1 ? 1 / (m - 1) : 0;
  const lines: string[] = [];
  // loads, and the order-free counts on the raw values
  lines.push(set("y", `(v128.load (i32.add (local.get $truth) (i32.shl (local.get $p) (i32.const 2))))`));
  lines.push(set("q", `(i32.add (local.get $members) (i32.shl (local.get $p) (i32.const 2)))`));
  lines.push(set("nan", `(f32x4.ne ${get("y")} ${get("y")})`));
  lines.push(set("below", "(v128.const i32x4 0 0 0 0)"), set("ties", "(v128.const i32x4 0 0 0 0)"));
  for (let k = 0; k < m; k++) {
    if (k > 0) lines.push(set("q", `(i32.add (local.get $q) (local.get $stride))`));
    lines.push(set(xs[k], `(v128.load (local.get $q))`));
    lines.push(set("nan", `(v128.or ${get("nan")} (f32x4.ne ${get(xs[k])} ${get(xs[k])}))`));
    lines.push(set("below", `(i32x4.sub ${get("below")} (f32x4.lt ${get(xs[k])} ${get("y")}))`));
    lines.push(set("ties", `(i32x4.sub ${get("ties")} (f32x4.eq ${get(xs[k])} ${get("y")}))`));
  }
  // sorting network
  for (const [i, j] of sortingNetwork(m)) {
    lines.push(set("t", `(f32x4.pmin ${get(xs[i])} ${get(xs[j])})`));
    lines.push(set(xs[j], `(f32x4.pmax ${get(xs[i])} ${get(xs[j])})`));
    lines.push(set(xs[i], get("t")));
  }
  // float64 sums over the sorted values, two lanes per f64x2
  lines.push(set("yL", `(f64x2.promote_low_f32x4 ${get("y")})`));
  lines.push(set("yH", `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${get("y")} ${get("y")}))`));
  for (const v of ["sumL", "sumH", "sqL", "sqH", "absL", "absH", "dL", "dH"]) lines.push(set(v, "(v128.const i64x2 0 0)"));
  for (let k = 0; k < m; k++) {
    const coef = 2 * k + 1 - m;
    lines.push(set("eL", `(f64x2.sub (f64x2.promote_low_f32x4 ${get(xs[k])}) ${get("yL")})`));
    lines.push(set("eH", `(f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${get(xs[k])} ${get(xs[k])})) ${get("yH")})`));
    for (const h of ["L", "H"]) {
      const e = get(`e${h}`);
      lines.push(addTo(`sum${h}`, e), addTo(`sq${h}`, `(f64x2.mul ${e} ${e})`), addTo(`abs${h}`, `(f64x2.abs ${e})`));
      if (coef !== 0) lines.push(addTo(`d${h}`, `(f64x2.mul ${splat(coef)} ${e})`));
    }
  }
  // valid lanes: inside the segment, truth and every member not NaN
  lines.push(set("valid", `(v128.andnot ${get("lanes")} ${get("nan")})`));
  lines.push(set("cnt", `(i32x4.sub ${get("cnt")} ${get("valid")})`));
  lines.push(set("mL", `(i64x2.extend_low_i32x4_s ${get("valid")})`), set("mH", `(i64x2.extend_high_i32x4_s ${get("valid")})`));
  for (const h of ["L", "H"]) {
    const W = get(`W${h}`);
    const ptr = `(i32.add (local.get $w) (i32.shl (i32.add (local.get $p) (i32.const ${h === "L" ? 0 : 2})) (i32.const 3)))`;
    lines.push(set(`W${h}`, `(v128.and ${get(`m${h}`)} (select (result v128) (v128.const f64x2 1 1) (v128.load ${ptr}) (local.get $uniform)))`));
    lines.push(set(`me${h}`, `(f64x2.mul ${get(`sum${h}`)} ${splat(invM)})`));
    const and = (v: string) => `(v128.and ${v} ${get(`m${h}`)})`;
    lines.push(addTo(`aW${h}`, W));
    lines.push(addTo(`aS${h}`, and(`(f64x2.mul (f64x2.mul ${W} ${get(`abs${h}`)}) ${splat(invM)})`)));
    lines.push(addTo(`aD${h}`, and(`(f64x2.mul (f64x2.mul ${W} ${splat(2)}) ${get(`d${h}`)})`)));
    // variance: Σe² − Σe·ē, clamped at 0, / (M − 1)
    const ssd = `(f64x2.sub ${get(`sq${h}`)} (f64x2.mul ${get(`sum${h}`)} ${get(`me${h}`)}))`;
    lines.push(addTo(`aV${h}`, and(`(f64x2.mul ${W} (f64x2.mul (f64x2.max ${ssd} (v128.const i64x2 0 0)) ${splat(invM1)}))`)));
    lines.push(addTo(`aME${h}`, and(`(f64x2.mul ${W} ${get(`me${h}`)})`)));
    lines.push(addTo(`aMSE${h}`, and(`(f64x2.mul (f64x2.mul ${W} ${get(`me${h}`)}) ${get(`me${h}`)})`)));
  }
  // rank histogram, lane by lane
  for (let l = 0; l < 4; l++) {
    const wl = `(f64x2.extract_lane ${l % 2} ${get(l < 2 ? "WL" : "WH")})`;
    lines.push(`(if (i32x4.extract_lane ${l} ${get("valid")}) (then
      (local.set $bl (i32.add (local.get $hb) (i32.shl (i32x4.extract_lane ${l} ${get("below")}) (i32.const 3))))
      (local.set $ti (i32x4.extract_lane ${l} ${get("ties")}))
      (if (i32.eqz (local.get $ti))
        (then (f64.store (local.get $bl) (f64.add (f64.load (local.get $bl)) ${wl})))
        (else
          (local.set $share (f64.div ${wl} (f64.convert_i32_s (i32.add (local.get $ti) (i32.const 1)))))
          (local.set $k (i32.const 0))
          (loop $tie
            (f64.store (local.get $bl) (f64.add (f64.load (local.get $bl)) (local.get $share)))
            (local.set $bl (i32.add (local.get $bl) (i32.const 8)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $tie (i32.le_s (local.get $k) (local.get $ti))))))))`);
  }
  const hs = (k: string) => hsum2(`(f64x2.add ${get(`a${k}L`)} ${get(`a${k}H`)})`);
  const bins = m + 1;
  return `(module ${MEMORY}
  (func $ens (export "ens")
    (param $members i32) (param $n i32) (param $truth i32) (param $w i32) (param $start i32) (param $segw i32) (param $uniform i32)
    (param $s0 i32) (param $s1 i32) (param $lo i32) (param $hi i32) (param $out i32) (param $hist i32)
    (local $s i32) (local $a i32) (local $b i32) (local $p i32) (local $q i32) (local $stride i32) (local $hb i32)
    (local $bl i32) (local $ti i32) (local $k i32) (local $wt f64) (local $share f64)
    ${vlocals.map((v) => `(local $${v} v128)`).join(" ")}
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $s (local.get $s0))
    (block $done (loop $segs
      (br_if $done (i32.ge_s (local.get $s) (local.get $s1)))
      ${segmentBounds}
      (local.set $hb (i32.add (local.get $hist) (i32.mul (local.get $s) (i32.const ${8 * bins}))))
      (memory.fill (local.get $hb) (i32.const 0) (i32.const ${8 * bins}))
      (local.set $cnt (v128.const i32x4 0 0 0 0))
      ${sums.flatMap((k) => [set(`a${k}L`, "(v128.const i64x2 0 0)"), set(`a${k}H`, "(v128.const i64x2 0 0)")]).join("\n")}
      (local.set $p (local.get $a))
      (block $pend (loop $pts
        (br_if $pend (i32.ge_s (local.get $p) (local.get $b)))
        (local.set $lanes (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.sub (local.get $b) (local.get $p)))))
        ${lines.join("\n        ")}
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $pts)))
      ${store(7, 0, `(f64.convert_i32_s (i32.add (i32.add (i32x4.extract_lane 0 ${get("cnt")}) (i32x4.extract_lane 1 ${get("cnt")})) (i32.add (i32x4.extract_lane 2 ${get("cnt")}) (i32x4.extract_lane 3 ${get("cnt")}))))`)}
      ${sums.map((k, i) => store(7, i + 1, `(f64.mul ${get("wt")} ${hs(k)})`)).join("\n      ")}
      (if (f64.ne (local.get $wt) (f64.const 1)) (then
        (local.set $k (i32.const 0))
        (loop $scale
          (local.set $bl (i32.add (local.get $hb) (i32.shl (local.get $k) (i32.const 3))))
          (f64.store (local.get $bl) (f64.mul (f64.load (local.get $bl)) (local.get $wt)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $scale (i32.lt_s (local.get $k) (i32.const ${bins}))))))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $segs))))
)`;
}
