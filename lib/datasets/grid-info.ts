import type { Grid } from "@/lib/grids";

function num(x: number): string {
  return String(Number(x.toPrecision(10)));
}

/** Short human description of a grid: `O96`, `1.5° regular`, `1°×0.5° regular box`, `H32 ring`, `unstructured`. */
export function describeGrid(grid: Grid): string {
  const d = grid.descriptor;
  switch (d.kind) {
    case "gaussian":
      return grid.id.startsWith("reduced-") ? `reduced Gaussian N${d.N}` : grid.id;
    case "healpix":
      return `H${d.nside} ${d.order}`;
    case "regular": {
      const dlat = Math.abs(d.lat.step);
      const dlon = Math.abs(d.lon.step);
      const res = dlat === dlon ? `${num(dlon)}°` : `${num(dlon)}°×${num(dlat)}°`;
      const global = Math.abs(d.lon.count * dlon - 360) < 1e-6 && d.lat.count * dlat >= 180 - 1e-6;
      return `${res} regular${global ? "" : " box"}`;
    }
    case "unstructured":
      return "unstructured";
  }
}

/** `O96 with 40320 points`. */
export function describeGridWithSize(grid: Grid): string {
  return `${describeGrid(grid)} with ${grid.size} points`;
}

/** Two grids hold the same points in the same order. */
export function sameGrid(a: Grid, b: Grid): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  if (a.id === b.id) return true;
  const la = a.latitudes;
  const lb = b.latitudes;
  const oa = a.longitudes;
  const ob = b.longitudes;
  for (let i = 0; i < a.size; i++) {
    if (Math.abs(la[i] - lb[i]) > 1e-4) return false;
    const dl = Math.abs((((oa[i] - ob[i]) % 360) + 540) % 360 - 180);
    if (Math.abs(la[i]) < 90 - 1e-9 && dl > 1e-4) return false;
  }
  return true;
}

/** anemoi's `resolution` attribute: "o96", "n320", "1.5", "h32"; "unknown" for point sets. */
export function resolutionOf(grid: Grid): string {
  const d = grid.descriptor;
  switch (d.kind) {
    case "gaussian":
      return grid.id.startsWith("O") ? `o${d.N}` : `n${d.N}`;
    case "healpix":
      return `h${d.nside}`;
    case "regular": {
      const dlat = Math.abs(d.lat.step);
      const dlon = Math.abs(d.lon.step);
      return dlat === dlon ? num(dlon) : `${num(dlon)}x${num(dlat)}`;
    }
    case "unstructured":
      return "unknown";
  }
}

/** anemoi's `field_shape`: [rows, columns] for regular grids, [points] otherwise. */
export function fieldShapeOf(grid: Grid): number[] {
  const d = grid.descriptor;
  return d.kind === "regular" ? [d.lat.count, d.lon.count] : [grid.size];
}

/** The grid descriptor to store in attributes (unstructured grids are rebuilt from latitudes/longitudes instead). */
export function storableDescriptor(grid: Grid): unknown {
  return grid.descriptor.kind === "unstructured" ? null : grid.descriptor;
}
