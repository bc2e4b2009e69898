import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, inspectDataset, loadRecipe } from "@/lib/datasets";
import { formatStat } from "@/components/datasets/format";
import { launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer } from "../support/isobar-process";

describe("Datasets pages in Chromium", () => {
  const home = freshHome("e2e-datasets");
  const store = path.join(home, "datasets", "demo.zarr");
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    const recipe = await loadRecipe(`
name: tiny-synthetic
dates: {start: 2020-06-01T00:00:00, end: 2020-06-02T00:00:00, frequency: 6h}
input:
  join:
    - synthetic: {seed: 7, variables: [z_500, t_850, 2t], degree: 8}
    - forcings: [cos_latitude]
output: {grid: "10"}
`);
    await createDataset(recipe, store);
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("registers a dataset and shows it in the list and on its page with its statistics", async () => {
    const registered = await server.api.datasets.register.mutate({ path: store });
    expect(registered).toMatchObject({ name: "tiny-synthetic", dateCount: 5, frequencyHours: 6, variables: ["z_500", "t_850", "2t", "cos_latitude"] });
    const again = await server.api.datasets.register.mutate({ path: store });
    expect(again.id).toBe(registered.id); // idempotent per path
    await expect(server.api.datasets.register.mutate({ path: path.join(home, "nope.zarr") })).rejects.toThrow();

    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/datasets`);
    const row = page.locator(`tr[data-dataset-id="${registered.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("z_500, t_850, 2t, cos_latitude");
    await saveScreenshot(page, "datasets-list");
    await row.locator("a").click();
    await page.waitForURL(new RegExp(`/datasets/${registered.id}$`));
    await page.waitForSelector('[data-testid="variables-table"]');
    const expected = await inspectDataset(store);
    const z500 = expected.variables.find((v) => v.name === "z_500")!;
    const rowText = await page.locator('[data-testid="variables-table"] tr', { hasText: "z_500" }).textContent();
    expect(rowText).toContain(formatStat(z500.mean));
    expect(rowText).toContain(formatStat(z500.maximum));
    expect(z500.mean! > 4.5e4 && z500.mean! < 6e4).toBe(true); // geopotential at 500 hPa, m²/s²
    expect(await page.textContent('[data-testid="dataset-recipe"]')).toContain("synthetic");
    await saveScreenshot(page, "dataset-detail");
    expect(await page.getAttribute('[data-testid="open-map"]', "href")).toBe(`/maps?dataset=${registered.id}`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
