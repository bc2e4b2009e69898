import { UnstructuredDescriptorSchema, type UnstructuredDescriptor } from "./descriptor";
import { BaseGrid } from "./grid";
import { FOUR_PI, hashFloat64 } from "./sphere";
import { autoDomain, sphericalConvexHull, voronoiAreas, type SphericalHull, type VoronoiDomain } from "./voronoi";

/**
 * Arbitrary point set (e.g. a limited-area domain or a mesh's nodes) in the given order. Area
 * weights are spherical Voronoi cell areas, clipped to the spherical convex hull for regional
 * domains (see voronoi.ts); interpolation is nearest / inverse-distance via the k-d tree.
 */
export class UnstructuredGrid extends BaseGrid {
  readonly kind = "unstructured" as const;
  readonly id: string;
  readonly size: number;
  readonly latitudes: Float64Array;
  readonly longitudes: Float64Array;
  readonly domain: VoronoiDomain;
  private hullCache: SphericalHull | null | undefined = undefined;
  private descriptorCache: UnstructuredDescriptor | null = null;

  constructor(latitudes: ArrayLike<number>, longitudes: ArrayLike<number>, domain: "auto" | VoronoiDomain = "auto") {
    super();
    if (latitudes.length !== longitudes.length) throw new Error("latitudes and longitudes differ in length");
    if (latitudes.length === 0) throw new Error("an unstructured grid needs at least one point");
    this.size = latitudes.length;
    this.latitudes = Float64Array.from(latitudes);
    this.longitudes = Float64Array.from(longitudes);
    for (let i = 0; i < this.size; i++) {
      const la = this.latitudes[i];
      if (!(Math.abs(la) <= 90) || !Number.isFinite(this.longitudes[i])) throw new Error(`invalid coordinates at point ${i}`);
    }
    this.domain = domain === "auto" ? autoDomain(this.unitVectors()) : domain;
    this.id = `unstructured-${hashFloat64(this.latitudes, this.longitudes)}`;
  }

  static fromDescriptor(d: UnstructuredDescriptor): UnstructuredGrid {
    const p = UnstructuredDescriptorSchema.parse(d);
    return new UnstructuredGrid(p.latitudes, p.longitudes, p.domain);
  }

  get descriptor(): UnstructuredDescriptor {
    if (!this.descriptorCache) {
      this.descriptorCache = {
        kind: "unstructured",
        latitudes: Array.from(this.latitudes),
        longitudes: Array.from(this.longitudes),
        domain: this.domain,
      };
    }
    return this.descriptorCache;
  }

  /** The spherical convex hull for "hull" domains, null for global ones. */
  hull(): SphericalHull | null {
    if (this.hullCache === undefined) this.hullCache = this.domain === "hull" ? sphericalConvexHull(this.unitVectors()) : null;
    return this.hullCache;
  }

  /** Area of the domain itself: 4π, or the hull area (independent of the cells). */
  boundaryArea(): number {
    const h = this.hull();
    return h ? h.area : FOUR_PI;
  }

  protected computeAreas(): Float64Array {
    return voronoiAreas(this.unitVectors(), this.kdTree(), this.hull());
  }
}
