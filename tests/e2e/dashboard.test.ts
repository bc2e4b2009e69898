import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECK_EAST_RGB, CHECK_WEST_RGB } from "@/components/maps/renderer-check";
import { decodePng, launchBrowser, pixelAt, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer } from "../support/isobar-process";
import { createTestDatabase } from "../support/postgres";

type Server = Awaited<ReturnType<typeof startServer>>;

function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

/** The shell and the Jobs page, in a real Chromium, against a real server in each storage mode. */
async function dashboardScenario(server: Server, browser: Browser, label: string, storageLabel: string) {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = trackPageErrors(page);

  // The shell loads with its navigation and the live system summary.
  await page.goto(server.url);
  await expect(page.locator("nav[aria-label=Main] >> text=Jobs").count()).resolves.toBe(1);
  await page.waitForSelector('[data-testid="storage-mode"]');
  expect(await page.textContent('[data-testid="storage-mode"]')).toBe(storageLabel);
  await saveScreenshot(page, `${label}-overview`);

  // A job's progress moves on the Jobs page, then it completes.
  const job = await server.api.jobs.submit.mutate({ type: "system.selftest", payload: { steps: 12, stepMs: 400, label: "e2e" } });
  await page.click("nav[aria-label=Main] >> text=Jobs");
  await page.waitForURL(/\/jobs$/);
  const row = page.locator(`tr[data-job-id="${job.id}"]`);
  await row.waitFor();
  const readProgress = async () => Number(await row.locator('[role="progressbar"]').getAttribute("aria-valuenow"));
  const seen = new Set<number>();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    seen.add(await readProgress());
    if ((await row.locator(".badge").textContent()) === "completed") break;
    await page.waitForTimeout(200);
  }
  expect(await row.locator(".badge").textContent()).toBe("completed");
  expect(await readProgress()).toBe(100);
  const intermediate = [...seen].filter((p) => p > 0 && p < 100);
  expect(intermediate.length).toBeGreaterThanOrEqual(2); // seen moving, not just jumping to done
  await saveScreenshot(page, `${label}-jobs`);

  // Filtering by state keeps the URL shareable and shows only matching jobs.
  await page.selectOption('select[aria-label="Filter by state"]', "completed");
  await page.waitForURL(/state=completed/);
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-testid=jobs-table] .badge")].every((b) => b.textContent === "completed"),
  );

  // The job detail shows its logs and result.
  await row.locator("a").click();
  await page.waitForURL(new RegExp(`/jobs/${job.id}$`));
  await page.waitForSelector('[data-testid="job-result"]');
  expect(JSON.parse((await page.textContent('[data-testid="job-result"]')) ?? "null")).toEqual({ steps: 12, attempt: 1, label: "e2e" });
  expect(await page.textContent('[data-testid="job-logs"]')).toContain("self-test e2e started: 12 steps of 400 ms");
  await saveScreenshot(page, `${label}-job-detail`);

  expect(errors).toEqual([]);
  await page.close();
}

describe("dashboard in Chromium", () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe("embedded storage", () => {
    const home = freshHome("e2e");
    let server: Server;
    beforeAll(async () => {
      server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    });
    afterAll(async () => {
      await server?.proc.stop();
      fs.rmSync(home, { recursive: true, force: true });
    });

    it("loads the shell and shows a job's progress moving until it completes", async () => {
      await dashboardScenario(server, browser.browser, "embedded", "embedded (PGlite)");
    });

    it("renders a deck.gl layer with WebGL2 (pixel check)", async () => {
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = trackPageErrors(page);
      await page.goto(`${server.url}/system`);
      const check = page.locator('[data-testid="renderer-check"][data-rendered="true"]');
      await check.waitFor({ timeout: 60_000 });
      const device = (await page.textContent('[data-testid="renderer-device"]')) ?? "";
      expect(device).toMatch(/^webgl/);
      const shot = decodePng(await check.screenshot());
      await saveScreenshot(page, "system-renderer-check");
      expect(shot.width).toBe(512);
      // West of the prime meridian red, east of it blue (MapView at zoom 0: 512 px span 360°).
      expect(colourDistance(pixelAt(shot, 128, 128), CHECK_WEST_RGB)).toBeLessThanOrEqual(3);
      expect(colourDistance(pixelAt(shot, 384, 128), CHECK_EAST_RGB)).toBeLessThanOrEqual(3);
      expect(colourDistance(pixelAt(shot, 250, 30), CHECK_WEST_RGB)).toBeLessThanOrEqual(3);
      expect(colourDistance(pixelAt(shot, 262, 220), CHECK_EAST_RGB)).toBeLessThanOrEqual(3);
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  describe("PostgreSQL storage", () => {
    const home = freshHome("e2e-pg");
    let server: Server;
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      db = await createTestDatabase("e2e");
      server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: db.url }, ["--workers"]);
    });
    afterAll(async () => {
      await server?.proc.stop();
      await db?.drop();
      fs.rmSync(home, { recursive: true, force: true });
    });

    it("shows real jobs from PostgreSQL with live progress", async () => {
      await dashboardScenario(server, browser.browser, "postgres", "PostgreSQL");
    });
  });
});
