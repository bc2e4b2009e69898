import { LineLayer } from "@deck.gl/layers";
import { LinesLayer } from "./lines-layer";
import { mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import land110 from "world-atlas/land-110m.json";

/**
 * Coastlines (Natural Earth 1:110m via world-atlas, as lines from topojson `mesh`) and a
 * graticule. Lines are split where they jump across ±180° and points
 * beyond ±89.5° are dropped (a filled pole breaks on the globe). On the globe they are lifted
 * ~8 km so the tessellated field never hides them.
 *
 * On the flat map they are one-pixel segments drawn by the minimal LinesLayer rather than as
 * PathLayer paths: under SwiftShader (software WebGL) compiling the PathLayer's shaders took
 * seconds before the first frame, and 1-pixel lines need no joins. On the globe deck.gl's
 * LineLayer draws the same segments: it keeps the far side hidden, which the plain line list did
 * not (tests/e2e/maps.test.ts checks the globe's pixels).
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

/** Segment end points of paths as a line list: x y z of both ends of every segment. */
function pathLineList(paths: Path[]): Float32Array {
  const n = paths.reduce((k, p) => k + p.length - 1, 0);
  const out = new Float32Array(6 * n);
  let k = 0;
  for (const p of paths)
    for (let i = 1; i < p.length; i++, k += 6) {
      out.set(p[i - 1], k);
      out.set(p[i], k + 3);
    }
  return out;
}

const lineCache = new Map<string, Float32Array>();

function linesOf(kind: "coast" | "graticule", lift: number): Float32Array {
  const key = `${kind}|${lift}`;
  let s = lineCache.get(key);
  if (!s) {
    s = pathLineList(kind === "coast" ? coastlinePaths(lift) : graticulePaths(30, lift));
    lineCache.set(key, s);
  }
  return s;
}

export function basemapLayers(opts: { globe: boolean; coastlines: boolean; graticule: boolean; idPrefix: string }) {
  const lift = opts.globe ? 8000 : 0;
  const layers = [];
  const lines = (id: string, kind: "coast" | "graticule", color: [number, number, number, number]) => {
    const value = linesOf(kind, lift); // segment endpoints, 6 floats per segment
    if (!opts.globe) return new LinesLayer({ id, linePositions: value, color });
    const endpoint = (offset: number) => ({ value, size: 3, stride: 24, offset });
    return new LineLayer({ id, data: { length: value.length / 6, attributes: { getSourcePosition: endpoint(0), getTargetPosition: endpoint(12) } }, getColor: color, getWidth: 1, widthUnits: "pixels" });
  };
  if (opts.graticule) layers.push(lines(`${opts.idPrefix}-graticule`, "graticule", [40, 40, 40, 70]));
  if (opts.coastlines) layers.push(lines(`${opts.idPrefix}-coast`, "coast", [20, 20, 20, 220]));
  return layers;
}
