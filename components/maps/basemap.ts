import { LineLayer } from "@deck.gl/layers";
import { mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import land110 from "world-atlas/land-110m.json";

/**
 * Coastlines (Natural Earth 1:110m via world-atlas, as lines from topojson `mesh`) and a
 * graticule, as deck.gl PathLayers. Lines are split where they jump across ±180° and points
 * beyond ±89.5° are dropped (a filled pole breaks on the globe). On the globe they are lifted
 * ~8 km so the tessellated field never hides them.
 *
 * They are drawn as segments with deck.gl's LineLayer rather than as PathLayer paths: under
 * SwiftShader (software WebGL) the PathLayer's join-computing vertex shader took seconds to
 * compile before the first frame, the LineLayer's a fraction of that, and 1-pixel lines need no
 * joins.
 */

export type Path = [number, number, number][];

/** Splits a lon/lat line wherever consecutive points are more than 180° apart in longitude. */
export function splitAtDateline(line: readonly (readonly number[])[], lift = 0): Path[] {
  const out: Path[] = [];
  let cur: Path = [];
  let prev: readonly number[] | null = null;
  for (const p of line) {
    if (Math.abs(p[1]) > 89.5) {
      if (cur.length > 1) out.push(cur);
      cur = [];
      prev = null;
      continue;
    }
    if (prev && Math.abs(p[0] - prev[0]) > 180) {
      if (cur.length > 1) out.push(cur);
      cur = [];
    }
    cur.push([p[0], p[1], lift]);
    prev = p;
  }
  if (cur.length > 1) out.push(cur);
  return out;
}

let coastCache: readonly (readonly (readonly number[])[])[] | null = null;

function coastLines(): readonly (readonly (readonly number[])[])[] {
  if (!coastCache) {
    const topo = land110 as unknown as Topology<{ land: GeometryCollection }>;
    coastCache = mesh(topo, topo.objects.land).coordinates;
  }
  return coastCache;
}

export function coastlinePaths(lift = 0): Path[] {
  return coastLines().flatMap((l) => splitAtDateline(l, lift));
}

/** Meridians and parallels every `step` degrees, densified every 2°. */
export function graticulePaths(step = 30, lift = 0): Path[] {
  const out: Path[] = [];
  for (let lon = -180; lon < 180; lon += step) {
    const p: Path = [];
    for (let lat = -80; lat <= 80; lat += 2) p.push([lon, lat, lift]);
    out.push(p);
  }
  for (let lat = -90 + step; lat < 90; lat += step) {
    const p: Path = [];
    for (let lon = -180; lon <= 180; lon += 2) p.push([lon, lat, lift]);
    out.push(p);
  }
  return out;
}

/** Interleaved segment end points (x, y, z) of paths, for the LineLayer's binary attributes. */
export function pathSegments(paths: Path[]): { source: Float32Array; target: Float32Array; length: number } {
  const n = paths.reduce((k, p) => k + p.length - 1, 0);
  const source = new Float32Array(3 * n);
  const target = new Float32Array(3 * n);
  let k = 0;
  for (const p of paths)
    for (let i = 1; i < p.length; i++, k++) {
      source.set(p[i - 1], 3 * k);
      target.set(p[i], 3 * k);
    }
  return { source, target, length: n };
}

const segmentCache = new Map<string, ReturnType<typeof pathSegments>>();

function segmentsOf(kind: "coast" | "graticule", lift: number): ReturnType<typeof pathSegments> {
  const key = `${kind}|${lift}`;
  let s = segmentCache.get(key);
  if (!s) {
    s = pathSegments(kind === "coast" ? coastlinePaths(lift) : graticulePaths(30, lift));
    segmentCache.set(key, s);
  }
  return s;
}

function linesLayer(id: string, s: ReturnType<typeof pathSegments>, color: [number, number, number, number]) {
  return new LineLayer({
    id,
    data: { length: s.length, attributes: { getSourcePosition: { value: s.source, size: 3 }, getTargetPosition: { value: s.target, size: 3 } } },
    getColor: color,
    getWidth: 1,
    widthUnits: "pixels",
  });
}

export function basemapLayers(opts: { globe: boolean; coastlines: boolean; graticule: boolean; idPrefix: string }) {
  const lift = opts.globe ? 8000 : 0;
  const layers = [];
  if (opts.graticule) layers.push(linesLayer(`${opts.idPrefix}-graticule`, segmentsOf("graticule", lift), [40, 40, 40, 70]));
  if (opts.coastlines) layers.push(linesLayer(`${opts.idPrefix}-coast`, segmentsOf("coast", lift), [20, 20, 20, 220]));
  return layers;
}
