import { describe, expect, it } from "vitest";
import { parseMapUrl } from "@/lib/maps/map-url";
import { forecastMapHref } from "./map-link";

describe("forecastMapHref", () => {
  it("opens one forecast as forecast | truth | error at its init time (UTC) and lead", () => {
    const href = forecastMapHref({ forecastId: "f-1", truth: "d-9", variable: "z_500", initTime: "2020-01-11T00:00:00.000Z", leadHours: 12 });
    expect(href.startsWith("/maps?")).toBe(true);
    const s = parseMapUrl(href);
    expect([s.forecast, s.truth, s.variable, s.init, s.lead, s.panels]).toEqual(["f-1", "d-9", "z_500", "2020-01-11T00:00:00Z", 12, ["a", "truth", "err"]]);
    // an init time without a zone is UTC, as the stores keep it
    expect(parseMapUrl(forecastMapHref({ forecastId: "f-1", truth: null, initTime: "2020-01-11T06:00:00" })).init).toBe("2020-01-11T06:00:00Z");
  });

  it("opens two forecasts as run A | run B | A − B and omits what is unknown", () => {
    const s = parseMapUrl(forecastMapHref({ forecastId: "a", truth: "/data/truth store.zarr" }, { forecastId: "b" }));
    expect([s.forecast, s.forecastB, s.panels, s.init, s.lead]).toEqual(["a", "b", ["a", "b", "a-b"], undefined, undefined]);
  });
});
