import { describe, expect, it } from "vitest";
import {
  ang2pixNest,
  ang2pixRing,
  nest2ring,
  npix,
  pix2angNest,
  pix2angRing,
  ring2nest,
} from "./healpix";
import { healpixGrid } from "./healpix-grid";
import { randomSphere, sum } from "./test-utils";

describe("HEALPix pixel functions", () => {
  it.each([1, 2, 4, 8, 16])("nside=%i: ring and nested round trips for every pixel", (nside) => {
    for (let p = 0; p < npix(nside); p++) {
      const r = pix2angRing(nside, p);
      expect(ang2pixRing(nside, r.z, r.phi)).toBe(p);
      const n = pix2angNest(nside, p);
      expect(ang2pixNest(nside, n.z, n.phi)).toBe(p);
      // nest2ring (face/x/y arithmetic) agrees with the geometry of both schemes
      const q = nest2ring(nside, p);
      const rq = pix2angRing(nside, q);
      expect(rq.z).toBeCloseTo(n.z, 13);
      expect(Math.cos(rq.phi - n.phi)).toBeCloseTo(1, 12);
      expect(ring2nest(nside, q)).toBe(p);
    }
  });

  it.each([3, 5, 6])("ring order works for non-power-of-two nside=%i", (nside) => {
    for (let p = 0; p < npix(nside); p++) {
      const r = pix2angRing(nside, p);
      expect(ang2pixRing(nside, r.z, r.phi)).toBe(p);
    }
    expect(() => nest2ring(nside, 0)).toThrow(/power/);
  });

  it("known pixel indices", () => {
    // healpy documentation: hp.ang2pix(16, np.pi/2, 0) == 1440 (z = cos(π/2) = 6e−17 lands in ring 31)
    expect(ang2pixRing(16, Math.cos(Math.PI / 2), 0)).toBe(1440);
    // exactly on the equator at φ = 0 the vertex belongs to ring 32 (first pixel 2·16·15 + 16·64 = 1504)
    expect(ang2pixRing(16, 0, 0)).toBe(1504);
    // nside = 2: nested pixel 0 is face 0, x = y = 0 → ring 3 (z = 1/3), φ = π/4 → ring index 4 + 8 + 1 = 13
    expect(nest2ring(2, 0)).toBe(13);
    expect(pix2angNest(2, 0).z).toBeCloseTo(1 / 3, 15);
    expect(pix2angNest(2, 0).phi).toBeCloseTo(Math.PI / 4, 15);
    // nside = 1: ring and nested coincide; pixel 4 is centred at (z = 0, φ = 0), 0 at (2/3, π/4)
    for (let p = 0; p < 12; p++) expect(nest2ring(1, p)).toBe(p);
    expect(pix2angRing(1, 4)).toMatchObject({ z: 0, phi: 0 });
    expect(pix2angRing(1, 0).z).toBeCloseTo(2 / 3, 15);
    expect(pix2angRing(1, 0).phi).toBeCloseTo(Math.PI / 4, 15);
    // north pole → first pixels, south pole → last ring
    expect(ang2pixRing(8, 1, 0.1)).toBe(0);
    expect(ang2pixRing(8, -1, 0.1)).toBe(npix(8) - 4);
    // the northernmost pixel of face 0 has x = y = nside − 1 = 7 → Morton 0b111111 = 63
    expect(ang2pixNest(8, 1, 0.1)).toBe(63);
    expect(ring2nest(8, 0)).toBe(63);
  });

  it("ring and nested assign random points to the same pixel", () => {
    const { lats, lons } = randomSphere(20000, 7);
    for (const nside of [1, 4, 32, 1024]) {
      for (let i = 0; i < lats.length; i++) {
        const z = Math.sin((lats[i] * Math.PI) / 180);
        const phi = (lons[i] * Math.PI) / 180;
        expect(nest2ring(nside, ang2pixNest(nside, z, phi))).toBe(ang2pixRing(nside, z, phi));
      }
    }
  });

  it("random points fall in the pixel whose centre is near (within the max pixel radius)", () => {
    const { lats, lons } = randomSphere(5000, 3);
    const nside = 64;
    const g = healpixGrid(nside);
    // max pixel radius < 1.36 · (mean spacing √(4π/npix))
    const rmax = 1.4 * Math.sqrt((4 * Math.PI) / npix(nside));
    for (let i = 0; i < lats.length; i++) {
      const p = g.pixelAt(lats[i], lons[i]);
      const d = Math.acos(
        Math.min(1, Math.sin((lats[i] * Math.PI) / 180) * Math.sin((g.latitudes[p] * Math.PI) / 180) +
          Math.cos((lats[i] * Math.PI) / 180) * Math.cos((g.latitudes[p] * Math.PI) / 180) * Math.cos(((lons[i] - g.longitudes[p]) * Math.PI) / 180)),
      );
      expect(d).toBeLessThan(rmax);
    }
  });
});

describe("HealpixGrid", () => {
  it("counts, ids, equal areas", () => {
    const g = healpixGrid(32);
    expect(g.size).toBe(12 * 32 * 32);
    expect(g.id).toBe("H32-ring");
    expect(healpixGrid(32, "nested").id).toBe("H32-nested");
    expect(g.domainArea() / (4 * Math.PI)).toBeCloseTo(1, 13);
    expect(g.weights().every((w) => Math.abs(w - 1) < 1e-12)).toBe(true);
  });

  it("ring table: 4·nside − 1 rings whose sizes add up and perm maps ring → nested", () => {
    const g = healpixGrid(8, "nested");
    const t = g.rowTable();
    expect(t.lat.length).toBe(31);
    expect(sum(t.count)).toBe(g.size);
    expect(t.count[0]).toBe(4);
    expect(t.count[15]).toBe(32);
    const ring = healpixGrid(8, "ring");
    for (let r = 0; r < t.lat.length; r++) {
      for (let j = 0; j < t.count[r]; j++) {
        const pos = t.first[r] + j;
        const p = t.perm![pos];
        expect(g.latitudes[p]).toBeCloseTo(ring.latitudes[pos], 12);
        expect(g.longitudes[p]).toBeCloseTo(ring.longitudes[pos], 12);
        expect(ring.longitudes[pos]).toBeCloseTo(t.lon0[r] + j * t.dlon[r], 12);
      }
    }
  });

  it("nside 256 (786,432 points) builds quickly", () => {
    const t = performance.now();
    const g = healpixGrid(256, "nested");
    expect(g.size).toBe(786432);
    expect(performance.now() - t).toBeLessThan(3000);
  });
});
