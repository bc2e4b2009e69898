/**
 * Verification regions (verification.md §2).
 *
 * A region is a union of latitude intervals × a union of longitude intervals,
 * all bounds inclusive (WB2 label slices). Longitudes are compared in 0–360:
 * point longitudes are wrapped into [0, 360), so a point labelled 360 or −180
 * is the same as 0 or 180. A region compiles against point latitude/longitude
 * arrays to a Uint8Array mask (1 = inside) once per grid.
 */
import { z } from "zod";

/** Slack on the inclusive bounds, in degrees, for coordinates stored as float32. */
export const REGION_BOUND_EPSILON_DEG = 1e-6;

export type Interval = readonly [number, number];

/** A compiled-ready region: unions of inclusive intervals; `null` = all. */
export interface RegionBounds {
  lat: readonly Interval[] | null;
  /** Longitude intervals in [0, 360], lo ≤ hi. */
  lon: readonly Interval[] | null;
}

export const WB2_REGION_NAMES = [
  "global",
  "tropics",
  "extra-tropics",
  "northern-hemisphere",
  "southern-hemisphere",
  "europe",
  "north-america",
  "north-atlantic",
  "north-pacific",
  "east-asia",
  "ausnz",
  "arctic",
  "antarctic",
] as const;

export type Wb2RegionName = (typeof WB2_REGION_NAMES)[number];

/** The WB2 predefined regions (google-research/weatherbench2 scripts/evaluate.py). */
export const WB2_REGIONS: Readonly<Record<Wb2RegionName, RegionBounds>> = {
  global: { lat: null, lon: null },
  tropics: { lat: [[-20, 20]], lon: null },
  "extra-tropics": { lat: [[-90, -20], [20, 90]], lon: null },
  "northern-hemisphere": { lat: [[20, 90]], lon: null },
  "southern-hemisphere": { lat: [[-90, -20]], lon: null },
  europe: { lat: [[35, 75]], lon: [[347.5, 360], [0, 42.5]] },
  "north-america": { lat: [[25, 60]], lon: [[240, 285]] },
  "north-atlantic": { lat: [[25, 65]], lon: [[290, 350]] },
  "north-pacific": { lat: [[25, 60]], lon: [[145, 230]] },
  "east-asia": { lat: [[25, 60]], lon: [[102.5, 150]] },
  ausnz: { lat: [[-45, -12.5]], lon: [[120, 175]] },
  arctic: { lat: [[60, 90]], lon: null },
  antarctic: { lat: [[-90, -60]], lon: null },
};

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(360);

export const predefinedRegionSchema = z.object({
  kind: z.literal("wb2"),
  name: z.enum(WB2_REGION_NAMES),
});

/**
 * A user lat/lon box. Longitudes may be given in −180…180 or 0…360; the box
 * runs eastwards from lonMin to lonMax, so lonMin > lonMax (e.g. 347.5 → 42.5)
 * crosses the 0° meridian. lonMax − lonMin ≥ 360 covers all longitudes.
 */
export const boxRegionSchema = z
  .object({
    kind: z.literal("box"),
    name: z.string().min(1).max(100),
    latMin: latitude,
    latMax: latitude,
    lonMin: longitude,
    lonMax: longitude,
  })
  .refine((b) => b.latMin <= b.latMax, { message: "latMin must not exceed latMax" });

/** Every point of the grid (the native domain of a regional grid). */
export const nativeRegionSchema = z.object({ kind: z.literal("native") });

export const regionSpecSchema = z.union([predefinedRegionSchema, boxRegionSchema, nativeRegionSchema]);

export type PredefinedRegion = z.infer<typeof predefinedRegionSchema>;
export type BoxRegion = z.infer<typeof boxRegionSchema>;
export type NativeRegion = z.infer<typeof nativeRegionSchema>;
export type RegionSpec = z.infer<typeof regionSpecSchema>;

/** Stable name of a region, used as the `region` key of stored statistics. */
export function regionName(region: RegionSpec): string {
  switch (region.kind) {
    case "wb2":
      return region.name;
    case "box":
      return region.name;
    case "native":
      return "native";
  }
}

/** Wrap a longitude into [0, 360). */
export function wrapLongitude(lon: number): number {
  const r = lon % 360;
  return r < 0 ? r + 360 : r;
}

/** Longitude intervals in [0, 360] for an eastward box lonMin → lonMax. */
export function boxLongitudeIntervals(lonMin: number, lonMax: number): Interval[] | null {
  let span = lonMax - lonMin;
  if (span < 0) span += 360;
  if (span >= 360) return null;
  const lo = wrapLongitude(lonMin);
  const hi = lo + span;
  if (hi <= 360) return [[lo, hi]];
  return [
    [lo, 360],
    [0, hi - 360],
  ];
}

export function regionBounds(region: RegionSpec): RegionBounds {
  switch (region.kind) {
    case "wb2":
      return WB2_REGIONS[region.name];
    case "native":
      return { lat: null, lon: null };
    case "box":
      return {
        lat: [[region.latMin, region.latMax]],
        lon: boxLongitudeIntervals(region.lonMin, region.lonMax),
      };
  }
}

function inIntervals(v: number, intervals: readonly Interval[]): boolean {
  const e = REGION_BOUND_EPSILON_DEG;
  for (const [lo, hi] of intervals) {
    if (v >= lo - e && v <= hi + e) return true;
  }
  return false;
}

/** True if the point lies in the region (bounds inclusive). */
export function regionContains(bounds: RegionBounds, lat: number, lon: number): boolean {
  if (bounds.lat !== null && !inIntervals(lat, bounds.lat)) return false;
  if (bounds.lon === null) return true;
  const l = wrapLongitude(lon);
  if (inIntervals(l, bounds.lon)) return true;
  // A point just below 360 (e.g. 359.9999999 from float32) is within ε of 360/0.
  return l > 360 - REGION_BOUND_EPSILON_DEG && inIntervals(l - 360, bounds.lon);
}

/** Compile a region to a point mask (1 = inside) for the given point coordinates. */
export function compileRegionMask(
  region: RegionSpec | RegionBounds,
  lats: ArrayLike<number>,
  lons: ArrayLike<number>,
): Uint8Array {
  if (lats.length !== lons.length) throw new Error("compileRegionMask: lats and lons differ in length");
  const bounds = "kind" in region ? regionBounds(region) : region;
  const n = lats.length;
  const mask = new Uint8Array(n);
  for (let p = 0; p < n; p++) mask[p] = regionContains(bounds, lats[p], lons[p]) ? 1 : 0;
  return mask;
}

/**
 * Several region masks folded into one partition of the points: every point
 * gets a class id, and points with the same id belong to exactly the same
 * regions. The kernels accumulate once per class in a single pass and sum
 * classes into regions afterwards, so scoring R regions reads each field once.
 */
export interface RegionSet {
  names: string[];
  /** Number of points of the grid. */
  size: number;
  /** Class id of each point. */
  classOf: Uint8Array | Uint16Array | Uint32Array;
  classCount: number;
  /**
   * Runs of consecutive points with the same class: run r covers points
   * runStart[r] … runStart[r + 1] − 1 and has class runClass[r]. Points of a
   * grid stored row by row form few runs, so kernels can keep their sums in
   * local variables within a run.
   */
  runStart: Int32Array;
  runClass: Int32Array;
  /** For each region, the class ids it is made of. */
  regionClasses: Int32Array[];
  /** Number of points in each region. */
  regionSizes: number[];
}

/** Build a region set from named masks over the same points. */
export function regionSetFromMasks(named: { name: string; mask: Uint8Array }[]): RegionSet {
  if (named.length === 0) throw new Error("regionSetFromMasks: no regions");
  const size = named[0].mask.length;
  const names = named.map((r) => r.name);
  if (new Set(names).size !== names.length) throw new Error("regionSetFromMasks: duplicate region names");
  let cls = new Uint32Array(size);
  let classCount = 1;
  // membership[c] = list of region indices class c belongs to.
  let membership: number[][] = [[]];
  for (let r = 0; r < named.length; r++) {
    const mask = named[r].mask;
    if (mask.length !== size) throw new Error("regionSetFromMasks: masks differ in length");
    const remap = new Map<number, number>();
    const nextMembership: number[][] = [];
    const next = new Uint32Array(size);
    for (let p = 0; p < size; p++) {
      const key = cls[p] * 2 + (mask[p] ? 1 : 0);
      let id = remap.get(key);
      if (id === undefined) {
        id = nextMembership.length;
        remap.set(key, id);
        nextMembership.push(mask[p] ? [...membership[cls[p]], r] : membership[cls[p]]);
      }
      next[p] = id;
    }
    cls = next;
    membership = nextMembership;
    classCount = nextMembership.length;
  }
  const classOf =
    classCount <= 0xff ? Uint8Array.from(cls) : classCount <= 0xffff ? Uint16Array.from(cls) : cls;
  const regionClasses: Int32Array[] = named.map(() => new Int32Array(0));
  const lists: number[][] = named.map(() => []);
  for (let c = 0; c < classCount; c++) for (const r of membership[c]) lists[r].push(c);
  for (let r = 0; r < named.length; r++) regionClasses[r] = Int32Array.from(lists[r]);
  const regionSizes = named.map((r) => {
    let k = 0;
    for (let p = 0; p < size; p++) k += r.mask[p] ? 1 : 0;
    return k;
  });
  const starts: number[] = [];
  const runCls: number[] = [];
  for (let p = 0; p < size; p++) {
    if (p === 0 || cls[p] !== cls[p - 1]) {
      starts.push(p);
      runCls.push(cls[p]);
    }
  }
  starts.push(size);
  return {
    names,
    size,
    classOf,
    classCount,
    runStart: Int32Array.from(starts),
    runClass: Int32Array.from(runCls),
    regionClasses,
    regionSizes,
  };
}

/** Compile several regions against point coordinates into one region set. */
export function compileRegions(
  regions: RegionSpec[],
  lats: ArrayLike<number>,
  lons: ArrayLike<number>,
): RegionSet {
  return regionSetFromMasks(
    regions.map((r) => ({ name: regionName(r), mask: compileRegionMask(r, lats, lons) })),
  );
}

/** All WB2 predefined regions, in the order of WB2_REGION_NAMES. */
export function wb2Regions(): PredefinedRegion[] {
  return WB2_REGION_NAMES.map((name) => ({ kind: "wb2" as const, name }));
}
