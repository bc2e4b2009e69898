import fs from "node:fs";
import path from "node:path";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { launchBrowser } from "../tests/support/browser";
import { freshHome, startServer } from "../tests/support/isobar-process";

const home = freshHome("probe-cold");
const yaml = ["name: probe", "dates: {start: 2024-01-01T00:00:00, end: 2024-01-01T18:00:00, frequency: 6h}", "input:", "  synthetic: {seed: 1, variables: [2t, 10u]}", "output: {grid: reduced-N320}"].join("\n");
await createDataset(await loadRecipe(yaml), path.join(home, "n320.zarr"), { overwrite: true });
const server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
const browser = await launchBrowser();
try {
  for (let run = 0; run < 8; run++) {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const noWarm = run % 2 === 1;
    if (noWarm) await page.addInitScript(() => { window.__isobarMapsNoWarmup = true; });
    const client = await page.context().newCDPSession(page);
    await client.send("Profiler.enable");
    await client.send("Profiler.setSamplingInterval", { interval: 500 });
    await client.send("Profiler.start");
    await page.goto(`${server.url}/maps?dataset=n320.zarr&variable=10u&date=2024-01-01T${["00", "06", "12", "18"][run % 4]}:00:00Z${process.env.EXTRA ?? ""}`);
    const at = await page.waitForFunction(() => window.__isobarMaps?.rendered["0"]?.at ?? null, undefined, { timeout: 120000 }).then((h) => h.jsonValue());
    const { profile } = await client.send("Profiler.stop");
    console.log(`run ${run} ${noWarm ? "no warm-up" : "warm-up"}: first frame ${Number(at).toFixed(0)} ms`);
    if (run === 99) {
      // Self time per function (ms), top 25.
      const self = new Map<string, number>();
      const dt = profile.timeDeltas ?? [];
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      for (let i = 0; i < (profile.samples ?? []).length; i++) {
        const n = byId.get(profile.samples![i])!;
        const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
      }
      for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${v.toFixed(0).padStart(6)} ms  ${k}`);
      fs.writeFileSync("tmp/cold.cpuprofile", JSON.stringify(profile));
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.proc.stop();
  fs.rmSync(home, { recursive: true, force: true });
}
