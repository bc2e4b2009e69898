/**
 * Refined icosahedron on the unit sphere (GraphCast / anemoi `TriNodes` style hidden mesh).
 *
 * Refinement splits every triangle into four through its edge midpoints (projected back onto the
 * sphere). New vertices are appended, so the vertices of level l are the first 10·4^l + 2
 * vertices of every finer level: the edges of all levels can be expressed in the finest level's
 * indices and merged into one multi-scale edge set.
 */

export interface RefinedIcosahedron {
  /** Finest refinement level r. */
  readonly resolution: number;
  /** Interleaved xyz unit vectors of the 10·4^r + 2 vertices (level-l vertices come first). */
  readonly xyz: Float64Array;
  /** Vertex count of each level 0..r. */
  readonly levelSizes: number[];
  /** Triangles (vertex index triples, outward orientation) of each level 0..r. */
  readonly faces: Int32Array[];
}

/** Nodes of a refined icosahedron at level r: 10·4^r + 2. */
export function icosahedronNodeCount(r: number): number {
  return 10 * 4 ** r + 2;
}

function baseIcosahedron(): { xyz: number[]; faces: number[] } {
  const p = (1 + Math.sqrt(5)) / 2;
  const raw: [number, number, number][] = [];
  // Cyclic permutations of (0, ±1, ±φ).
  for (const s1 of [-1, 1])
    for (const s2 of [-1, 1]) {
      raw.push([0, s1, s2 * p]);
      raw.push([s1, s2 * p, 0]);
      raw.push([s2 * p, 0, s1]);
    }
  const xyz: number[] = [];
  for (const [x, y, z] of raw) {
    const n = Math.hypot(x, y, z);
    xyz.push(x / n, y / n, z / n);
  }
  // Neighbours are the vertex pairs at the minimal distance (the edge length 2 before normalising).
  const d2 = (i: number, j: number) =>
    (xyz[3 * i] - xyz[3 * j]) ** 2 + (xyz[3 * i + 1] - xyz[3 * j + 1]) ** 2 + (xyz[3 * i + 2] - xyz[3 * j + 2]) ** 2;
  const edge2 = 4 / (1 + p * p);
  const adj = (i: number, j: number) => Math.abs(d2(i, j) - edge2) < 1e-9;
  const faces: number[] = [];
  for (let a = 0; a < 12; a++)
    for (let b = a + 1; b < 12; b++) {
      if (!adj(a, b)) continue;
      for (let c = b + 1; c < 12; c++) {
        if (!adj(a, c) || !adj(b, c)) continue;
        faces.push(...orient(xyz, a, b, c));
      }
    }
  if (faces.length !== 60) throw new Error("icosahedron construction failed");
  return { xyz, faces };
}

/** Orders (a, b, c) counter-clockwise seen from outside. */
function orient(xyz: ArrayLike<number>, a: number, b: number, c: number): [number, number, number] {
  const ux = xyz[3 * b] - xyz[3 * a], uy = xyz[3 * b + 1] - xyz[3 * a + 1], uz = xyz[3 * b + 2] - xyz[3 * a + 2];
  const vx = xyz[3 * c] - xyz[3 * a], vy = xyz[3 * c + 1] - xyz[3 * a + 1], vz = xyz[3 * c + 2] - xyz[3 * a + 2];
  const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
  const dot = nx * (xyz[3 * a] + xyz[3 * b] + xyz[3 * c]) + ny * (xyz[3 * a + 1] + xyz[3 * b + 1] + xyz[3 * c + 1]) + nz * (xyz[3 * a + 2] + xyz[3 * b + 2] + xyz[3 * c + 2]);
  return dot > 0 ? [a, b, c] : [a, c, b];
}

/** The icosahedron refined r times (r ≥ 0). */
export function refinedIcosahedron(r: number): RefinedIcosahedron {
  if (!Number.isInteger(r) || r < 0 || r > 10) throw new Error(`icosahedron resolution must be an integer in 0..10, got ${r}`);
  const base = baseIcosahedron();
  const total = icosahedronNodeCount(r);
  const xyz = new Float64Array(3 * total);
  xyz.set(base.xyz);
  let n = 12;
  let faces = Int32Array.from(base.faces);
  const allFaces: Int32Array[] = [faces];
  const levelSizes = [12];
  for (let level = 1; level <= r; level++) {
    const mid = new Map<number, number>();
    const midpoint = (a: number, b: number): number => {
      const key = a < b ? a * total + b : b * total + a;
      const got = mid.get(key);
      if (got !== undefined) return got;
      const x = xyz[3 * a] + xyz[3 * b], y = xyz[3 * a + 1] + xyz[3 * b + 1], z = xyz[3 * a + 2] + xyz[3 * b + 2];
      const norm = Math.hypot(x, y, z);
      xyz[3 * n] = x / norm;
      xyz[3 * n + 1] = y / norm;
      xyz[3 * n + 2] = z / norm;
      mid.set(key, n);
      return n++;
    };
    const next = new Int32Array(faces.length * 4);
    for (let f = 0, o = 0; f < faces.length; f += 3) {
      const a = faces[f], b = faces[f + 1], c = faces[f + 2];
      const ab = midpoint(a, b), bc = midpoint(b, c), ca = midpoint(c, a);
      next.set([a, ab, ca, ab, b, bc, ca, bc, c, ab, bc, ca], o);
      o += 12;
    }
    faces = next;
    allFaces.push(faces);
    levelSizes.push(n);
  }
  if (n !== total) throw new Error(`icosahedron refinement produced ${n} vertices, expected ${total}`);
  return { resolution: r, xyz, levelSizes, faces: allFaces };
}

/** Undirected edges (i < j) of a triangle list, as a set of keys i·n + j. */
export function triangleEdges(faces: Int32Array, n: number): Set<number> {
  const set = new Set<number>();
  for (let f = 0; f < faces.length; f += 3) {
    for (let k = 0; k < 3; k++) {
      const a = faces[f + k], b = faces[f + ((k + 1) % 3)];
      set.add(a < b ? a * n + b : b * n + a);
    }
  }
  return set;
}
