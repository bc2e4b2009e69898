/**
 * A static k-d tree over 3-D unit vectors, for nearest-neighbour queries on the sphere.
 *
 * Why not kdbush or another 2-D index over (lat, lon)? Planar lat/lon distance is wrong near the
 * poles and across the dateline, so a 2-D index needs ad-hoc wrapping and pole handling and
 * still returns the wrong neighbour at high latitudes. On 3-D unit vectors the Euclidean (chord)
 * distance is a monotone function of the great-circle distance, so an ordinary 3-D k-d tree gives
 * exact great-circle neighbours with no special cases. No well-kept 3-D k-d tree package with
 * typed arrays exists on npm, and ~150 lines are enough.
 *
 * Layout: an implicit balanced tree over a permutation of the points. The node for range
 * [lo, hi) is the median position m = (lo + hi) >> 1, with its split axis stored at axis[m];
 * ranges of at most LEAF points are scanned linearly. Build is O(n log n) expected (median
 * quickselect per level), queries are O(log n) expected.
 */

const LEAF = 8;

export class KdTree3 {
  readonly size: number;
  /** Coordinates in tree order (interleaved xyz). */
  private readonly pts: Float64Array;
  /** Tree position → original point index. */
  private readonly ids: Int32Array;
  private readonly axis: Uint8Array;
  // Query state (kept on the instance to avoid closure allocation per query).
  private qx = 0;
  private qy = 0;
  private qz = 0;
  private bestD2 = Infinity;
  private bestPos = -1;
  private heapIdx: Int32Array = new Int32Array(0);
  private heapD2: Float64Array = new Float64Array(0);
  private heapSize = 0;
  private heapCap = 0;

  /** @param xyz interleaved unit vectors (length 3n); not retained. */
  constructor(xyz: Float64Array) {
    const n = Math.floor(xyz.length / 3);
    this.size = n;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = i;
    this.ids = ids;
    this.axis = new Uint8Array(n);
    this.build(xyz, 0, n);
    const pts = new Float64Array(3 * n);
    for (let p = 0; p < n; p++) {
      const s = 3 * ids[p];
      pts[3 * p] = xyz[s];
      pts[3 * p + 1] = xyz[s + 1];
      pts[3 * p + 2] = xyz[s + 2];
    }
    this.pts = pts;
  }

  private build(xyz: Float64Array, lo0: number, hi0: number): void {
    // Explicit stack instead of recursion (depth is only log n, but this keeps it allocation-light).
    const stack: number[] = [lo0, hi0];
    const ids = this.ids;
    while (stack.length > 0) {
      const hi = stack.pop() as number;
      const lo = stack.pop() as number;
      if (hi - lo <= LEAF) continue;
      let minX = Infinity, minY = Infinity, minZ = Infinity;
      let maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
      for (let i = lo; i < hi; i++) {
        const s = 3 * ids[i];
        const x = xyz[s], y = xyz[s + 1], z = xyz[s + 2];
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
        if (z < minZ) minZ = z;
        if (z > maxZ) maxZ = z;
      }
      const ex = maxX - minX, ey = maxY - minY, ez = maxZ - minZ;
      const a = ex >= ey && ex >= ez ? 0 : ey >= ez ? 1 : 2;
      const m = (lo + hi) >> 1;
      select(ids, xyz, a, lo, hi - 1, m);
      this.axis[m] = a;
      stack.push(lo, m, m + 1, hi);
    }
  }

  /** Original index of the point nearest to the unit vector (x, y, z); −1 if the tree is empty. */
  nearest(x: number, y: number, z: number): number {
    if (this.size === 0) return -1;
    this.qx = x;
    this.qy = y;
    this.qz = z;
    this.bestD2 = Infinity;
    this.bestPos = -1;
    this.search1(0, this.size);
    return this.ids[this.bestPos];
  }

  private search1(lo: number, hi: number): void {
    const pts = this.pts;
    if (hi - lo <= LEAF) {
      for (let p = lo; p < hi; p++) {
        const dx = pts[3 * p] - this.qx, dy = pts[3 * p + 1] - this.qy, dz = pts[3 * p + 2] - this.qz;
        const d2 = dx * dx + dy * dy + dz * dz;
        // Ties go to the smaller original index so results are deterministic.
        if (d2 < this.bestD2 || (d2 === this.bestD2 && this.ids[p] < this.ids[this.bestPos])) {
          this.bestD2 = d2;
          this.bestPos = p;
        }
      }
      return;
    }
    const m = (lo + hi) >> 1;
    const a = this.axis[m];
    const q = a === 0 ? this.qx : a === 1 ? this.qy : this.qz;
    const diff = q - pts[3 * m + a];
    const dx = pts[3 * m] - this.qx, dy = pts[3 * m + 1] - this.qy, dz = pts[3 * m + 2] - this.qz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 < this.bestD2 || (d2 === this.bestD2 && this.ids[m] < this.ids[this.bestPos])) {
      this.bestD2 = d2;
      this.bestPos = m;
    }
    if (diff < 0) {
      this.search1(lo, m);
      if (diff * diff <= this.bestD2) this.search1(m + 1, hi);
    } else {
      this.search1(m + 1, hi);
      if (diff * diff <= this.bestD2) this.search1(lo, m);
    }
  }

  /**
   * The k nearest points to (x, y, z), nearest first. Writes original indices into outIdx and
   * squared chord distances into outD2; returns how many were found (min(k, size)).
   */
  kNearest(x: number, y: number, z: number, k: number, outIdx: Int32Array, outD2: Float64Array): number {
    k = Math.min(k, this.size);
    if (k <= 0) return 0;
    if (this.heapCap < k) {
      this.heapIdx = new Int32Array(k);
      this.heapD2 = new Float64Array(k);
      this.heapCap = k;
    }
    this.qx = x;
    this.qy = y;
    this.qz = z;
    this.heapSize = 0;
    this.searchK(0, this.size, k);
    // Pop the max-heap from the back to get ascending order.
    const n = this.heapSize;
    for (let i = n - 1; i >= 0; i--) {
      outIdx[i] = this.ids[this.heapIdx[0]];
      outD2[i] = this.heapD2[0];
      this.heapPop();
    }
    return n;
  }

  private bound(k: number): number {
    return this.heapSize < k ? Infinity : this.heapD2[0];
  }

  private offer(p: number, d2: number, k: number): void {
    const hi = this.heapIdx, hd = this.heapD2;
    if (this.heapSize < k) {
      let i = this.heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (hd[parent] >= d2) break;
        hd[i] = hd[parent];
        hi[i] = hi[parent];
        i = parent;
      }
      hd[i] = d2;
      hi[i] = p;
    } else if (d2 < hd[0]) {
      this.siftDown(p, d2);
    }
  }

  private heapPop(): void {
    const last = --this.heapSize;
    if (last <= 0) return;
    this.siftDown(this.heapIdx[last], this.heapD2[last]);
  }

  /** Replace the root with (p, d2) and restore the max-heap property. */
  private siftDown(p: number, d2: number): void {
    const hi = this.heapIdx, hd = this.heapD2, n = this.heapSize;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && hd[r] > hd[l] ? r : l;
      if (hd[c] <= d2) break;
      hd[i] = hd[c];
      hi[i] = hi[c];
      i = c;
    }
    hd[i] = d2;
    hi[i] = p;
  }

  private searchK(lo: number, hi: number, k: number): void {
    const pts = this.pts;
    if (hi - lo <= LEAF) {
      for (let p = lo; p < hi; p++) {
        const dx = pts[3 * p] - this.qx, dy = pts[3 * p + 1] - this.qy, dz = pts[3 * p + 2] - this.qz;
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 < this.bound(k)) this.offer(p, d2, k);
      }
      return;
    }
    const m = (lo + hi) >> 1;
    const a = this.axis[m];
    const q = a === 0 ? this.qx : a === 1 ? this.qy : this.qz;
    const diff = q - pts[3 * m + a];
    const dx = pts[3 * m] - this.qx, dy = pts[3 * m + 1] - this.qy, dz = pts[3 * m + 2] - this.qz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 < this.bound(k)) this.offer(m, d2, k);
    if (diff < 0) {
      this.searchK(lo, m, k);
      if (diff * diff < this.bound(k)) this.searchK(m + 1, hi, k);
    } else {
      this.searchK(m + 1, hi, k);
      if (diff * diff < this.bound(k)) this.searchK(lo, m, k);
    }
  }
}

/** Quickselect: reorder ids[lo..hi] so that ids[m] has the m-th smallest coordinate on axis a. */
function select(ids: Int32Array, xyz: Float64Array, a: number, lo: number, hi: number, m: number): void {
  while (hi > lo) {
    // Median of three as pivot.
    const mid = (lo + hi) >> 1;
    const va = xyz[3 * ids[lo] + a], vb = xyz[3 * ids[mid] + a], vc = xyz[3 * ids[hi] + a];
    const pivot = va < vb ? (vb < vc ? vb : va < vc ? vc : va) : va < vc ? va : vb < vc ? vc : vb;
    let i = lo, j = hi;
    while (i <= j) {
      while (xyz[3 * ids[i] + a] < pivot) i++;
      while (xyz[3 * ids[j] + a] > pivot) j--;
      if (i <= j) {
        const t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
        i++;
        j--;
      }
    }
    if (m <= j) hi = j;
    else if (m >= i) lo = i;
    else return;
  }
}
