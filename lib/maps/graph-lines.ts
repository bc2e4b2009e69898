/**
 * Graph edges as map lines: each edge follows its great circle, cut into pieces of at most
 * `maxStepDeg` degrees (slerp between the end points), and every piece that crosses the
 * antimeridian is split there, so the lines draw correctly on a Web Mercator map that shows the
 * world once and on the globe. Output: flat segment arrays (joined into paths for deck.gl's PathLayer by {@link segmentsToPaths}; binary
 * attributes), positions (lon, lat, z).
 */

export type LineSegments = {
  /** Segment count. */
  length: number;
  /** length × 3: lon, lat, z of each segment's start. */
  sources: Float32Array;
  /** length × 3: lon, lat, z of each segment's end. */
  targets: Float32Array;
};

const RAD = Math.PI / 180;

function unit(lat: number, lon: number): [number, number, number] {
  const c = Math.cos(lat * RAD);
  return [c * Math.cos(lon * RAD), c * Math.sin(lon * RAD), Math.sin(lat * RAD)];
}

function latLon(x: number, y: number, z: number): [number, number] {
  return [Math.atan2(z, Math.hypot(x, y)) / RAD, Math.atan2(y, x) / RAD];
}

/**
 * Great-circle segments of the edges `src[k] → dst[k]` between node sets `a` (sources) and `b`
 * (targets), lifted to height `z` (metres; the globe needs the lines above the field surface).
 */
export function greatCircleSegments(
  a: { lat: ArrayLike<number>; lon: ArrayLike<number> },
  b: { lat: ArrayLike<number>; lon: ArrayLike<number> },
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  o: { maxStepDeg?: number; z?: number } = {},
): LineSegments {
  const step = o.maxStepDeg ?? 2;
  const z = o.z ?? 0;
  const s: number[] = [];
  const t: number[] = [];
  const push = (lon1: number, lat1: number, lon2: number, lat2: number) => {
    if (Math.abs(lon2 - lon1) <= 180) {
      s.push(lon1, lat1, z);
      t.push(lon2, lat2, z);
      return;
    }
    // Crosses ±180°: continue lon2 past the line, find where the piece meets it, split there.
    const east = lon1 > 0; // going east across +180 (lon2 wrapped to the negative side)
    const lon2c = east ? lon2 + 360 : lon2 - 360;
    const edge = east ? 180 : -180;
    const f = (edge - lon1) / (lon2c - lon1);
    const latc = lat1 + f * (lat2 - lat1);
    s.push(lon1, lat1, z);
    t.push(edge, latc, z);
    s.push(-edge, latc, z);
    t.push(lon2, lat2, z);
  };
  for (let k = 0; k < src.length; k++) {
    const i = src[k];
    const j = dst[k];
    const p = unit(a.lat[i], a.lon[i]);
    const q = unit(b.lat[j], b.lon[j]);
    const dot = Math.max(-1, Math.min(1, p[0] * q[0] + p[1] * q[1] + p[2] * q[2]));
    const theta = Math.acos(dot);
    const n = Math.max(1, Math.ceil(theta / RAD / step));
    let prevLat = a.lat[i];
    let prevLon = a.lon[i];
    const sinT = Math.sin(theta);
    for (let m = 1; m <= n; m++) {
      let lat: number;
      let lon: number;
      if (m === n) {
        lat = b.lat[j];
        lon = b.lon[j];
      } else {
        const f = m / n;
        // slerp; for (nearly) antipodal or identical points sinT ≈ 0: there is no unique great circle, use the chord
        const wa = sinT > 1e-9 ? Math.sin((1 - f) * theta) / sinT : 1 - f;
        const wb = sinT > 1e-9 ? Math.sin(f * theta) / sinT : f;
        [lat, lon] = latLon(wa * p[0] + wb * q[0], wa * p[1] + wb * q[1], wa * p[2] + wb * q[2]);
      }
      push(prevLon, prevLat, lon, lat);
      prevLat = lat;
      prevLon = lon;
    }
  }
  return { length: s.length / 3, sources: Float32Array.from(s), targets: Float32Array.from(t) };
}

export type LinePaths = {
  /** Path count. */
  length: number;
  /** Index (in points) where each path starts in `positions`. */
  startIndices: Uint32Array;
  /** lon, lat, z of every point, path after path. */
  positions: Float32Array;
};

/**
 * Joins consecutive segments that continue each other (the end of one is the start of the next)
 * into paths, for deck.gl's PathLayer (binary `startIndices` form). Pieces split at the
 * antimeridian start a new path.
 */
export function segmentsToPaths(s: LineSegments): LinePaths {
  const starts: number[] = [];
  const pos: number[] = [];
  for (let k = 0; k < s.length; k++) {
    const a = 3 * k;
    const continues = k > 0 && s.sources[a] === s.targets[a - 3] && s.sources[a + 1] === s.targets[a - 2] && s.sources[a + 2] === s.targets[a - 1];
    if (!continues) {
      starts.push(pos.length / 3);
      pos.push(s.sources[a], s.sources[a + 1], s.sources[a + 2]);
    }
    pos.push(s.targets[a], s.targets[a + 1], s.targets[a + 2]);
  }
  return { length: starts.length, startIndices: Uint32Array.from(starts), positions: Float32Array.from(pos) };
}
