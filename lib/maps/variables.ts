import type { ColourScaleInput, PaletteName } from "./colormaps";

/**
 * Display conventions per variable: unit conversion (stored → display), default palette, range,
 * stepping and contour interval. Ranges, levels and intervals are given in display units;
 * {@link colourScaleFor} turns them into a scale on stored values for the shader.
 */

/** A linear unit conversion: display = value·factor + offset. */
export type UnitConversion = { units: string; label: string; factor: number; offset: number };

const conv = (units: string, label: string, factor: number, offset = 0): UnitConversion => ({ units, label, factor, offset });

export const G0 = 9.80665;

/** Display units available for each stored unit (first = the default display unit). */
const CONVERSIONS: Record<string, UnitConversion[]> = {
  K: [conv("degC", "°C", 1, -273.15), conv("K", "K", 1)],
  Pa: [conv("hPa", "hPa", 0.01), conv("Pa", "Pa", 1)],
  "m**2 s**-2": [conv("dam", "dam", 1 / (10 * G0)), conv("m**2 s**-2", "m²/s²", 1)],
  m: [conv("mm", "mm", 1000), conv("m", "m", 1)],
  "m s**-1": [conv("m s**-1", "m/s", 1)],
  "kg kg**-1": [conv("g kg**-1", "g/kg", 1000), conv("kg kg**-1", "kg/kg", 1)],
};

/** Stored-unit spellings that mean the same thing. */
const UNIT_ALIASES: Record<string, string> = {
  "m2 s-2": "m**2 s**-2",
  "m^2/s^2": "m**2 s**-2",
  "m s-1": "m s**-1",
  "m/s": "m s**-1",
  "kg kg-1": "kg kg**-1",
  kelvin: "K",
};

export function canonicalUnits(units: string): string {
  return UNIT_ALIASES[units.trim()] ?? units.trim();
}

/** The conversions offered for a stored unit; identity when none is known. */
export function unitConversions(units: string): UnitConversion[] {
  const u = canonicalUnits(units);
  return CONVERSIONS[u] ?? [conv(u, u || "–", 1)];
}

/**
 * The conversion to use: the requested display unit if it is offered, else the default.
 * For differences (`difference`) the offset is dropped (a difference of K is a difference of °C).
 */
export function unitConversion(units: string, display?: string, difference = false): UnitConversion {
  const all = unitConversions(units);
  const c = all.find((x) => x.units === display) ?? all[0];
  return difference ? { ...c, offset: 0 } : c;
}

export const toDisplay = (v: number, c: UnitConversion) => v * c.factor + c.offset;
export const fromDisplay = (v: number, c: UnitConversion) => (v - c.offset) / c.factor;

export type VariableStyle = {
  label: string;
  palette: PaletteName;
  /** Display-unit range; null → the field's own min/max. */
  range: [number, number] | null;
  /** Equal bands of this width (display units). */
  step?: number;
  /** Irregular band boundaries (display units); below the first is transparent. */
  levels?: number[];
  /** Contour interval (display units). */
  contour?: number;
  /** Symmetric range around zero (signed components). */
  symmetric?: boolean;
};

const TEMPERATURE: VariableStyle = { label: "temperature", palette: "spectral_r", range: [-40, 40], step: 2 };

/** Default style of a variable by its anemoi name. */
export function variableStyle(variable: string): VariableStyle {
  const v = variable.toLowerCase();
  if (v === "2t" || v === "skt" || v === "sst" || v === "2d" || /^t_\d+$/.test(v)) {
    if (/^t_\d+$/.test(v) && Number(v.slice(2)) < 700) return { ...TEMPERATURE, range: [-60, 0] };
    return TEMPERATURE;
  }
  if (v === "tp" || v === "cp" || v.startsWith("tp_")) return { label: "precipitation", palette: "precip", range: null, levels: [0.5, 2, 4, 10, 25, 50, 100] };
  if (v === "10u" || v === "10v" || v === "100u" || v === "100v" || /^[uv]_\d+$/.test(v)) return { label: "wind component", palette: "rdbu_r", range: [-20, 20], symmetric: true };
  if (v === "ws" || v === "10si" || v === "wind_speed" || /^ws_\d+$/.test(v)) return { label: "wind speed", palette: "turbo", range: [0, 30] };
  if (/^z_\d+$/.test(v)) return { label: "geopotential", palette: "viridis", range: null, contour: 5 };
  if (v === "msl" || v === "sp") return { label: "pressure", palette: "viridis", range: v === "msl" ? [960, 1050] : null, contour: v === "msl" ? 4 : undefined };
  return { label: variable, palette: "viridis", range: null };
}

/** Style for a difference or error field: blue–white–red centred on zero, transparent near zero. */
export const DIFFERENCE_STYLE: VariableStyle = { label: "difference", palette: "rdbu_r", range: null, symmetric: true };

/** Share of a variable's statistics range added on each side of an automatic colour range. */
export const STATISTICS_MARGIN = 0.05;

/**
 * The data range of an automatic colour scale: the variable's range over the dataset's statistics
 * period widened by STATISTICS_MARGIN of it on each side, so that the same range (and colours, and
 * frames drawn ahead) serves every date and lead time, including those outside the statistics
 * period whose extremes go a little beyond it; widened further to any shown field beyond that.
 * Without statistics: the shown fields' own range. Stored units; null bounds when nothing is known.
 */
export function automaticRange(statistics: { min: number; max: number } | null, fields: { min: number; max: number }): { min: number | null; max: number | null } {
  let min = fields.min;
  let max = fields.max;
  if (statistics) {
    const pad = STATISTICS_MARGIN * (statistics.max - statistics.min);
    min = Math.min(min, statistics.min - pad);
    max = Math.max(max, statistics.max + pad);
  }
  return { min: Number.isFinite(min) ? min : null, max: Number.isFinite(max) ? max : null };
}

export type ScaleOptions = {
  /** Field min/max in stored units (for automatic ranges). */
  min: number | null;
  max: number | null;
  conversion: UnitConversion;
  palette?: PaletteName;
  difference?: boolean;
};

/**
 * The colour scale on stored values for a variable. Automatic ranges use the field's min/max;
 * differences get a symmetric range and a transparent band of ±5 % of it around zero.
 */
export function colourScaleFor(style: VariableStyle, o: ScaleOptions): ColourScaleInput & { contour: number | null } {
  const c = o.conversion;
  const toRaw = (d: number) => fromDisplay(d, c);
  let lo: number;
  let hi: number;
  if (style.range && !o.difference) {
    lo = toRaw(style.range[0]);
    hi = toRaw(style.range[1]);
  } else {
    lo = o.min ?? 0;
    hi = o.max ?? 1;
    if (style.symmetric || o.difference) {
      const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      lo = -m;
      hi = m;
    }
    if (hi <= lo) hi = lo + 1;
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  const palette = o.palette ?? (o.difference ? "rdbu_r" : style.palette);
  const levels = style.levels && !o.difference ? style.levels.map(toRaw) : [];
  const steps = style.step && !o.difference && style.range ? Math.round((style.range[1] - style.range[0]) / style.step) : 0;
  const contour = style.contour && !o.difference ? style.contour / c.factor : null;
  return {
    palette: levels.length && palette !== "precip" && o.palette === undefined ? style.palette : palette,
    min: lo,
    max: hi,
    steps,
    levels,
    transparentBelow: levels.length > 0,
    transparentBand: o.difference ? 0.05 * (hi - lo) / 2 : 0,
    contour,
  };
}
