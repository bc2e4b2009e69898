import { z } from "zod";
import { createDataset, loadRecipe, registerSource } from "@/lib/datasets";
import type { Grid, GridDescriptor } from "@/lib/grids";

/**
 * Known analytic fields for the map tests and benchmark (not used by the app): a dataset source
 * `map-analytic` whose values are {@link mapAnalytic}, and {@link createAnalyticDataset}.
 */

export const MAP_TEST_VARIABLES = [
  { name: "2t", units: "K", longName: "2 metre temperature" },
  { name: "msl", units: "Pa", longName: "Mean sea level pressure" },
  { name: "z_500", units: "m**2 s**-2", longName: "Geopotential at 500 hPa" },
  { name: "10u", units: "m s**-1", longName: "10 metre U wind component" },
  { name: "10v", units: "m s**-1", longName: "10 metre V wind component" },
  { name: "tp", units: "m", longName: "Total precipitation" },
] as const;

const R = Math.PI / 180;

/** Value of a test variable at (lat, lon) and `hours` since 1970. */
export function mapAnalytic(variable: string, lat: number, lon: number, hours: number): number {
  const c = Math.cos(lat * R);
  const s = Math.sin(lat * R);
  const shift = ((hours % 240) / 240) * 360; // features travel east by 1.5° per hour
  const l = (lon - shift) * R;
  switch (variable) {
    case "2t": // −23 °C at the poles … +22 °C at the equator, with a wave in longitude
      return 250 + 45 * c * c + 6 * c * Math.sin(l);
    case "msl":
      return 101325 + 1500 * Math.sin(2 * lat * R) * Math.cos(2 * l);
    case "z_500":
      return 51000 + 6000 * c * c + 1200 * c * s * Math.cos(3 * l);
    case "10u":
      return 15 * c * Math.sin(2 * l);
    case "10v":
      return 10 * s * c * Math.cos(l);
    case "tp":
      return Math.max(0, 0.03 * c * Math.sin(3 * l)) * (Math.abs(lat) < 60 ? 1 : 0);
    default:
      throw new Error(`unknown test variable ${variable}`);
  }
}

let registered = false;

export function registerMapAnalyticSource(): void {
  if (registered) return;
  registered = true;
  registerSource("map-analytic", {
    configSchema: z.object({}).strict(),
    create() {
      return {
        description: "analytic map test fields",
        async open(grid: Grid) {
          return {
            variables: MAP_TEST_VARIABLES.map((v) => ({ ...v })),
            async fieldsAt(date: Date) {
              const hours = date.getTime() / 3.6e6;
              const out = new Map<string, Float32Array>();
              for (const v of MAP_TEST_VARIABLES) {
                const f = new Float32Array(grid.size);
                for (let p = 0; p < grid.size; p++) f[p] = mapAnalytic(v.name, grid.latitudes[p], grid.longitudes[p], hours);
                out.set(v.name, f);
              }
              return out;
            },
          };
        },
      };
    },
  });
}

/** Writes an anemoi dataset of the analytic fields on `grid` (a spec like "1.5", "O48", "H16", or a grid descriptor). */
export async function createAnalyticDataset(out: string, grid: string | GridDescriptor, dates: { start: string; end: string; frequency: string } = { start: "2024-01-01T00:00:00", end: "2024-01-02T00:00:00", frequency: "6h" }): Promise<void> {
  registerMapAnalyticSource();
  const yaml = [
    `name: map-test-${typeof grid === "string" ? grid.toLowerCase() : grid.kind}`,
    "description: analytic fields for the map tests",
    `dates: {start: ${dates.start}, end: ${dates.end}, frequency: ${dates.frequency}}`,
    "input:",
    "  map-analytic: {}",
    `output: {grid: ${JSON.stringify(grid)}}`,
  ].join("\n");
  await createDataset(await loadRecipe(yaml), out, { overwrite: true });
}
