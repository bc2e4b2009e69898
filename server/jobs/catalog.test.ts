import { describe, expect, it } from "vitest";
import { JOB_DEFINITIONS, redactPayload, withoutSecrets } from "./catalog";

describe("job catalog", () => {
  it("has unique types that pg-boss accepts as queue names, with expiries within pg-boss's 24 h cap", () => {
    const types = JOB_DEFINITIONS.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    for (const d of JOB_DEFINITIONS) {
      expect(d.type).toMatch(/^[\w.\-/]+$/);
      expect(d.retry.expireInSeconds).toBeGreaterThanOrEqual(1);
      expect(d.retry.expireInSeconds).toBeLessThanOrEqual(24 * 3600);
    }
    expect(types).toEqual(expect.arrayContaining(["system.selftest", "tracking.import", "datasets.create", "training.run"]));
  });

  it("masks and erases secret payload fields", () => {
    const payload = { source: "mlflow", url: "https://x", token: "s3cret" };
    expect(redactPayload("tracking.import", payload)).toEqual({ source: "mlflow", url: "https://x", token: "***" });
    expect(withoutSecrets("tracking.import", payload)).toEqual({ source: "mlflow", url: "https://x" });
    expect(redactPayload("system.selftest", { steps: 1 })).toEqual({ steps: 1 });
  });
});
