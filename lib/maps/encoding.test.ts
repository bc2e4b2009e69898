import { describe, expect, it } from "vitest";
import { dequantise16, finiteRange, Q16_NAN, q16ErrorBound, quantise16 } from "./encoding";
import { decodeField, decodeFieldHeader, encodeField, FieldFormatError } from "./envelope";

function windLike(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 25 * Math.sin(i * 0.001) + 7 * Math.cos(i * 0.0371);
  return a;
}

describe("q16 quantisation", () => {
  it("decodes within half a step of the range", () => {
    const v = windLike(100_000);
    const { min, max } = finiteRange(v);
    const q = quantise16(v);
    const d = dequantise16(q.codes, q.offset, q.scale);
    const bound = q16ErrorBound(min, max);
    let worst = 0;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(d[i] - v[i]));
    // float32 rounding of the decoded value adds at most one ulp of |v| (≤ 32 → 4e-6).
    expect(worst).toBeLessThanOrEqual(bound + 4e-6);
    expect(bound).toBeLessThan(0.0005); // 64 m/s span → 0.49 mm/s
    // extremes are exact-ish
    expect(d[v.indexOf(min)]).toBeCloseTo(min, 5);
  });

  it("keeps NaN (and ±Infinity) as the reserved code", () => {
    const v = new Float32Array([1, NaN, 3, Infinity, -Infinity, 2]);
    const q = quantise16(v);
    expect(Array.from(q.codes).filter((c) => c === Q16_NAN)).toHaveLength(3);
    const d = dequantise16(q.codes, q.offset, q.scale);
    expect(Number.isNaN(d[1])).toBe(true);
    expect(d[0]).toBe(1);
    expect(d[2]).toBe(3);
    expect(d[5]).toBeCloseTo(2, 4);
  });

  it("handles constant and all-NaN fields", () => {
    const c = quantise16(new Float32Array([5, 5, 5]));
    expect(Array.from(dequantise16(c.codes, c.offset, c.scale))).toEqual([5, 5, 5]);
    const n = quantise16(new Float32Array([NaN, NaN]));
    expect(Array.from(n.codes)).toEqual([Q16_NAN, Q16_NAN]);
  });
});

describe("field envelope", () => {
  const info = { gridId: "O96", variable: "10u", units: "m s**-1", date: "2020-01-01T00:00:00Z" };

  it("round-trips f32 exactly, with min/max/NaN count in the header", () => {
    const v = windLike(1001);
    v[7] = NaN;
    const bytes = encodeField(v, "f32", info);
    expect((bytes.length - decodeFieldHeader(bytes).bodyOffset) / v.length).toBe(4);
    const { header, values } = decodeField(bytes);
    expect(header).toMatchObject({ ...info, encoding: "f32", shape: [1001], nanCount: 1 });
    expect(header.min).toBe(finiteRange(v).min);
    for (let i = 0; i < v.length; i++) expect(Object.is(values[i], v[i]) || values[i] === v[i]).toBe(true);
  });

  it("round-trips q16 at 2 bytes per point within the error bound", () => {
    const v = windLike(4097);
    const bytes = encodeField(v, "q16", info);
    const { header, bodyOffset } = decodeFieldHeader(bytes);
    expect(bodyOffset % 4).toBe(0);
    expect(bytes.length - bodyOffset).toBe(2 * v.length);
    const d = decodeField(bytes).values;
    const bound = q16ErrorBound(header.min!, header.max!);
    for (let i = 0; i < v.length; i++) expect(Math.abs(d[i] - v[i])).toBeLessThanOrEqual(bound + 4e-6);
  });

  it("encodes an all-NaN field with null min/max", () => {
    const { header, values } = decodeField(encodeField(new Float32Array([NaN, NaN]), "q16", info));
    expect(header.min).toBeNull();
    expect(Number.isNaN(values[0])).toBe(true);
  });

  it("rejects garbage and truncated bodies", () => {
    expect(() => decodeField(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(FieldFormatError);
    const bytes = encodeField(windLike(10), "f32", info);
    expect(() => decodeField(bytes.subarray(0, bytes.length - 2))).toThrow(/expected 40/);
  });
});
