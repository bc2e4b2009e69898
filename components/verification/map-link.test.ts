import { describe, expect, it } from "vitest";
import { forecastMapHref } from "./map-link";

describe("forecastMapHref", () => {
  it("names the truth dataset, variable, init time (without zone) and the forecast with its lead", () => {
    expect(
      forecastMapHref({ forecastId: "f-1", truth: "d-9", variable: "z_500", initTime: "2020-01-11T00:00:00.000Z", leadHours: 12 }),
    ).toBe("/maps?dataset=d-9&variable=z_500&date=2020-01-11T00%3A00%3A00&forecast=f-1&lead=12");
  });

  it("adds the second forecast and the triplet layout for a comparison, and omits what is unknown", () => {
    const href = forecastMapHref({ forecastId: "a", truth: "/data/truth store.zarr" }, { forecastId: "b" });
    expect(href).toBe("/maps?dataset=%2Fdata%2Ftruth+store.zarr&forecast=a&otherForecast=b&panels=a%2Cb%2Ca-b");
    const q = new URL(href, "http://x").searchParams;
    expect([q.get("dataset"), q.get("panels"), q.has("date"), q.has("lead")]).toEqual(["/data/truth store.zarr", "a,b,a-b", false, false]);
  });
});
