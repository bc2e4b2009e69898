import type { Page } from "playwright-core";
import type { PNG } from "pngjs";
import { buildLut, colourIndex, sampleMapGrid, type ColourScale, type MapGrid } from "@/lib/maps";
import { pixelAt } from "./browser";

/** Largest per-channel difference allowed between a rendered pixel and the LUT colour of the CPU value. */
export const TOLERANCE = 3;

export async function waitReady(page: Page, panels: number): Promise<void> {
  for (let i = 0; i < panels; i++) await page.locator(`[data-testid="map-panel-${i}"][data-ready="true"]`).waitFor({ timeout: 90_000 });
}

export type Check = { checked: number; matched: number; worst: number; misses: string[] };

/**
 * Compares rendered pixels with the colour map of the CPU value at the same lat/lon, on a lattice
 * of pixels. Pixels whose neighbours (±1 px) fall in another LUT entry (colour edges) are skipped.
 */
export async function comparePixels(page: Page, panel: string, shot: PNG, values: Float32Array, mg: MapGrid, scale: ColourScale, step = 23): Promise<Check> {
  const lut = buildLut(scale);
  const pts: [number, number][] = [];
  for (let y = 8; y < shot.height - 8; y += step) for (let x = 8; x < shot.width - 8; x += step) pts.push([x, y]);
  const coords = await page.evaluate(
    ({ panel, pts }) => {
      const p = window.__isobarMaps!.panels[panel];
      // Only points that project back onto the same pixel (off the globe, unproject still answers).
      const at = (x: number, y: number) => {
        const c = p.unproject(x, y);
        const back = c && p.project(c[0], c[1]);
        return back && Math.abs(back[0] - x) < 0.25 && Math.abs(back[1] - y) < 0.25 ? c : null;
      };
      return pts.map(([x, y]) => [at(x + 0.5, y + 0.5), at(x - 0.5, y + 0.5), at(x + 1.5, y + 0.5), at(x + 0.5, y - 0.5), at(x + 0.5, y + 1.5)]);
    },
    { panel, pts },
  );
  const out: Check = { checked: 0, matched: 0, worst: 0, misses: [] };
  pts.forEach(([x, y], k) => {
    const cs = coords[k];
    // Outside the map (MapView draws the world once: longitudes beyond ±180° are background).
    if (cs.some((c) => !c || Math.abs(c[0]) > 179.9 || Math.abs(c[1]) > 85)) return;
    const idx = cs.map((c) => colourIndex(sampleMapGrid(mg, values, c![1], c![0]), scale));
    if (idx.some((i) => i !== idx[0]) || idx[0] < 0 || lut[idx[0] * 4 + 3] !== 255) return;
    const want = [lut[idx[0] * 4], lut[idx[0] * 4 + 1], lut[idx[0] * 4 + 2]];
    const got = pixelAt(shot, x, y);
    const d = Math.max(...got.map((g, i) => Math.abs(g - want[i])));
    out.checked++;
    out.worst = Math.max(out.worst, d);
    if (d <= TOLERANCE) out.matched++;
    else if (out.misses.length < 5) out.misses.push(`(${x},${y}) lat ${cs[0]![1].toFixed(2)} lon ${cs[0]![0].toFixed(2)}: got ${got} want ${want}`);
  });
  return out;
}

