import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { PNG } from "pngjs";

export const CHROMIUM_PATH = process.env.ISOBAR_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.resolve("test-output/screenshots");

/** Debian's Chromium, headless, with SwiftShader WebGL2 and no network chatter. Never downloads a browser. */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with 'apt-get install -y chromium' (the CI script does)`);
  }
  // chromium.launch() always starts from a fresh, temporary --user-data-dir of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Collect uncaught page errors and console errors so tests can assert there were none. */
export function trackPageErrors(page: Page): string[] {
  const errors: string[] = [];
  // The stack's first frames say where a page error was thrown (minified, but with file and line).
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}${err.stack ? `\n${err.stack.split("\n").slice(1, 6).join("\n")}` : ""}`));
  page.on("console", (msg) => {
    // the location names the failing resource of "Failed to load resource" messages
    if (msg.type() === "error") errors.push(`console: ${msg.text()}${msg.location().url ? ` (${msg.location().url})` : ""}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) errors.push(`http ${res.status()}: ${res.url()}`);
  });
  return errors;
}

export async function saveScreenshot(page: Page, name: string): Promise<Buffer> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  return page.screenshot({ path: file, fullPage: true });
}

export function decodePng(buffer: Buffer): PNG {
  return PNG.sync.read(buffer);
}

export function pixelAt(png: PNG, x: number, y: number): [number, number, number] {
  const i = (png.width * Math.round(y) + Math.round(x)) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}
