import { interpolateBlues, interpolateRdBu, interpolateSpectral, interpolateTurbo, interpolateViridis } from "d3-scale-chromatic";
import { z } from "zod";

/**
 * Colour maps as 256×1 RGBA lookup tables (LUTs) plus a value range, exactly as the map shader
 * uses them. {@link colourIndex} is the shader's value → LUT-entry rule, in TypeScript, so the
 * probe, the legend and the browser tests agree with the GPU to the entry.
 */

export const LUT_SIZE = 256;

export const PALETTES = ["viridis", "turbo", "spectral_r", "rdbu_r", "blues", "precip"] as const;
export const PaletteSchema = z.enum(PALETTES);
export type PaletteName = z.infer<typeof PaletteSchema>;

type Rgb = [number, number, number];

/** ECMWF-style precipitation colours: cyan → blue → purple → magenta → orange → red. */
const PRECIP_COLOURS: Rgb[] = [
  [0, 255, 255], // 0.5–2
  [0, 128, 255], // 2–4
  [0, 0, 255], // 4–10
  [128, 0, 255], // 10–25
  [255, 0, 255], // 25–50
  [255, 140, 0], // 50–100
  [255, 0, 0], // > 100
];

function parseCss(c: string): Rgb {
  if (c.startsWith("#")) {
    const n = parseInt(c.slice(1, 7), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(c);
  if (!m) throw new Error(`cannot parse colour ${c}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Colour of a palette at t ∈ [0, 1]. */
export function paletteColour(name: PaletteName, t: number): Rgb {
  const x = Math.min(1, Math.max(0, t));
  switch (name) {
    case "viridis":
      return parseCss(interpolateViridis(x));
    case "turbo":
      return parseCss(interpolateTurbo(x));
    case "spectral_r":
      return parseCss(interpolateSpectral(1 - x));
    case "rdbu_r":
      return parseCss(interpolateRdBu(1 - x));
    case "blues":
      return parseCss(interpolateBlues(x));
    case "precip": {
      const k = Math.min(PRECIP_COLOURS.length - 1, Math.floor(x * PRECIP_COLOURS.length));
      return [...PRECIP_COLOURS[k]];
    }
  }
}

/**
 * How values become colours (all values in the field's stored units):
 * - continuous: t = (v − min)/(max − min), clamped;
 * - `steps` > 0: t snapped to the centre of one of `steps` equal bands (hard edges);
 * - `levels` (ascending boundaries): band k = number of levels ≤ v, one colour per band;
 *   `transparentBelow` makes band 0 (v < levels[0]) transparent (precipitation);
 * - `transparentBand` > 0: values with |v − centre| < transparentBand are transparent, where
 *   centre = (min + max)/2 (differences and errors on a symmetric range).
 */
export const ColourScaleSchema = z.object({
  palette: PaletteSchema,
  min: z.number(),
  max: z.number(),
  steps: z.number().int().nonnegative().default(0),
  levels: z.array(z.number()).max(16).default([]),
  transparentBelow: z.boolean().default(false),
  transparentBand: z.number().nonnegative().default(0),
});
export type ColourScale = z.infer<typeof ColourScaleSchema>;
export type ColourScaleInput = z.input<typeof ColourScaleSchema>;

export function colourScale(input: ColourScaleInput): ColourScale {
  return ColourScaleSchema.parse(input);
}

/** The 256×1 RGBA LUT for a scale. */
export function buildLut(scale: ColourScale): Uint8Array {
  const lut = new Uint8Array(LUT_SIZE * 4);
  const nl = scale.levels.length;
  for (let i = 0; i < LUT_SIZE; i++) {
    const tc = (i + 0.5) / LUT_SIZE;
    let rgb: Rgb;
    let alpha = 255;
    if (nl > 0) {
      const band = Math.min(nl, Math.floor(tc * (nl + 1)));
      if (scale.palette === "precip") rgb = paletteColour("precip", (band - 1 + 0.5) / nl);
      else rgb = paletteColour(scale.palette, (band + 0.5) / (nl + 1));
      if (band === 0 && scale.transparentBelow) alpha = 0;
    } else {
      rgb = paletteColour(scale.palette, tc);
      if (scale.transparentBand > 0) {
        const v = scale.min + tc * (scale.max - scale.min);
        if (Math.abs(v - (scale.min + scale.max) / 2) < scale.transparentBand) alpha = 0;
      }
    }
    lut.set([rgb[0], rgb[1], rgb[2], alpha], i * 4);
  }
  return lut;
}

/**
 * The LUT entry of a value, exactly as the fragment shader computes it; −1 for NaN (drawn
 * transparent). Uses float32 arithmetic like the GPU.
 */
export function colourIndex(value: number, scale: ColourScale): number {
  if (value !== value) return -1;
  const f = Math.fround;
  const v = f(value);
  let t: number;
  const nl = scale.levels.length;
  if (nl > 0) {
    let k = 0;
    for (let i = 0; i < nl; i++) if (v >= f(scale.levels[i])) k++;
    t = f(f(k + 0.5) / f(nl + 1));
  } else {
    const span = f(scale.max - scale.min);
    t = span > 0 ? f(f(v - f(scale.min)) / span) : 0.5;
    t = Math.min(1, Math.max(0, t));
    if (scale.steps > 0) t = f(f(Math.min(Math.floor(f(t * scale.steps)), scale.steps - 1) + 0.5) / scale.steps);
  }
  return Math.min(LUT_SIZE - 1, Math.max(0, Math.floor(f(t * LUT_SIZE))));
}

/** RGBA of a value (alpha 0 for NaN). */
export function colourOf(value: number, scale: ColourScale, lut = buildLut(scale)): [number, number, number, number] {
  const i = colourIndex(value, scale);
  if (i < 0) return [0, 0, 0, 0];
  return [lut[i * 4], lut[i * 4 + 1], lut[i * 4 + 2], lut[i * 4 + 3]];
}

/** Legend bands: for stepped and level scales one entry per band, for continuous ones `n` samples. */
export function legendStops(scale: ColourScale, n = 64): { from: number; to: number; rgba: [number, number, number, number] }[] {
  const lut = buildLut(scale);
  const out: { from: number; to: number; rgba: [number, number, number, number] }[] = [];
  const nl = scale.levels.length;
  if (nl > 0) {
    const lv = scale.levels;
    for (let k = 0; k <= nl; k++) {
      const from = k === 0 ? Math.min(scale.min, lv[0]) : lv[k - 1];
      const to = k === nl ? Math.max(scale.max, lv[nl - 1]) : lv[k];
      const probe = k === 0 ? lv[0] - 1 : lv[k - 1];
      out.push({ from, to, rgba: colourOf(probe, scale, lut) });
    }
    return out;
  }
  const bands = scale.steps > 0 ? scale.steps : n;
  const span = scale.max - scale.min;
  for (let k = 0; k < bands; k++) {
    const from = scale.min + (k / bands) * span;
    const to = scale.min + ((k + 1) / bands) * span;
    out.push({ from, to, rgba: colourOf((from + to) / 2, scale, lut) });
  }
  return out;
}
