import { describe, expect, it } from "vitest";
import { compareMapUrl, forecastMapUrl, graphMapUrl, mapUrl, parseMapUrl, scorecardCellMapUrl, statsVariableName } from "./map-url";

describe("map URLs", () => {
  it("builds links with defaults left out, in a fixed order", () => {
    expect(mapUrl({})).toBe("/maps");
    expect(mapUrl({ dataset: "o96.zarr", variable: "2t", panels: ["a"], view: "map", member: "0" })).toBe("/maps?dataset=o96.zarr&variable=2t");
    expect(mapUrl({ variable: "2t", dataset: "a b.zarr", view: "globe", lon: 10, lat: -5.555, zoom: 2 })).toBe("/maps?dataset=a+b.zarr&variable=2t&view=globe&lon=10.00&lat=-5.55&zoom=2.00");
    expect(forecastMapUrl({ forecast: "f1", variable: "z_500", lead: 24, init: "2024-01-01T00:00:00Z" })).toBe(
      "/maps?forecast=f1&variable=z_500&init=2024-01-01T00%3A00%3A00Z&lead=24&panels=a%2Ctruth%2Cerr",
    );
    expect(compareMapUrl({ forecast: "A", forecastB: "B", variable: "2t" })).toBe("/maps?forecast=A&forecastB=B&variable=2t&panels=a%2Cb%2Ca-b");
  });
  it("scorecard cells: experiment and reference errors at the variable and lead", () => {
    expect(statsVariableName("z", 500)).toBe("z_500");
    expect(statsVariableName("2t", -1)).toBe("2t");
    expect(scorecardCellMapUrl({ experiment: "E", reference: "R", variable: "t", level: 850, leadHours: 120, region: "europe" })).toBe(
      "/maps?forecast=E&forecastB=R&variable=t_850&lead=120&panels=err%2Cerrb&region=europe",
    );
    expect(scorecardCellMapUrl({ experiment: "E", reference: "R", variable: "msl", level: -1, leadHours: 24, region: "global" })).not.toContain("region");
  });
  it("round-trips through the page's parser; bad values fall back to defaults", () => {
    const link = { forecast: "F", forecastB: "G", variable: "2t", init: "2024-01-01T00:00:00Z", lead: 48, member: "spread", panels: ["err", "errb"] as const, region: "europe", point: "45.5,-3.25", lon: 5, lat: 45, zoom: 3 };
    const s = parseMapUrl(mapUrl({ ...link, panels: [...link.panels] }));
    expect(s).toMatchObject({ ...link, panels: ["err", "errb"], view: "map", swipe: "0", overlays: "on" });
    const bad = parseMapUrl("/maps?dataset=x&lead=-3&member=median&panels=zz,a-b&view=3d&point=north&lat=99");
    expect(bad).toMatchObject({ dataset: "x", lead: undefined, member: undefined, panels: ["a-b"], view: "map", point: undefined, lat: 20 });
    // Every existing parameter keeps working.
    const old = parseMapUrl("dataset=o96.zarr&variable=2t&date=2024-01-01T00:00:00Z&otherDate=2024-01-01T18:00:00Z&panels=a,b,a-b&overlays=none&lon=0&lat=0&zoom=0&other=h.zarr&swipe=1&palette=viridis&units=degC");
    expect(old).toMatchObject({ dataset: "o96.zarr", variable: "2t", date: "2024-01-01T00:00:00Z", otherDate: "2024-01-01T18:00:00Z", panels: ["a", "b", "a-b"], overlays: "none", lon: 0, lat: 0, zoom: 0, other: "h.zarr", swipe: "1", palette: "viridis", units: "degC" });
  });
  it("graph overlay: graph=<checkpoint id> and graphEdges, with every other parameter kept", () => {
    const id = "0b9f4c3e-6a2d-4f1e-9c1a-2b3c4d5e6f70";
    expect(graphMapUrl({ checkpoint: id })).toBe(`/maps?graph=${id}`);
    expect(graphMapUrl({ checkpoint: id, edges: "encoder", view: "globe" })).toBe(`/maps?view=globe&graph=${id}&graphEdges=encoder`);
    expect(graphMapUrl({ checkpoint: id, edges: "processor" })).toBe(`/maps?graph=${id}`); // the default is left out
    const s = parseMapUrl(mapUrl({ dataset: "o96.zarr", variable: "2t", graph: id, graphEdges: "none", lon: 10, lat: 5, zoom: 1 }));
    expect(s).toMatchObject({ dataset: "o96.zarr", variable: "2t", graph: id, graphEdges: "none", lon: 10, lat: 5, zoom: 1 });
    expect(parseMapUrl(`graph=${id}&graphEdges=mesh`)).toMatchObject({ graph: id, graphEdges: undefined, dataset: "" });
    expect(parseMapUrl("dataset=x").graph).toBeUndefined();
  });
});
