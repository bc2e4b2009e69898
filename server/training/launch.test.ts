import { describe, expect, it } from "vitest";
import { launchGroups, previewLaunch, trainingConfigDir } from "./launch";

const dir = trainingConfigDir();

describe("Launch training: groups and preview over the shipped config", () => {
  it("lists the train entry's groups with their options and default choice", () => {
    const groups = launchGroups(dir, "train");
    const model = groups.find((g) => g.group === "model");
    expect(model?.selected).toBe("gnn");
    expect(model?.options).toEqual(expect.arrayContaining(["gnn", "mlp"]));
    expect(groups.map((g) => g.group)).toEqual([...groups.map((g) => g.group)].sort());
  });

  it("previews the resolved config and expands a sweep into one run per value", () => {
    const p = previewLaunch(dir, "train", ["model=mlp", "training.lr=1e-3,1e-4"]);
    if (!p.ok) throw new Error(p.error);
    expect(p.choices.model).toBe("mlp");
    expect(p.runs.map((r) => r.overrides)).toEqual([
      ["model=mlp", "training.lr=1e-3"],
      ["model=mlp", "training.lr=1e-4"],
    ]);
    expect(p.yaml).toMatch(/^model:\n(.*\n)*? {2}name: mlp$/m);
    expect(p.yaml).toMatch(/^ {2}lr: 0\.001$/m);
  });

  it("reports an unknown group option and an invalid value the way the CLI does", () => {
    const bad = previewLaunch(dir, "train", ["model=gnnn"]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/gnnn[\s\S]*gnn/);
    const invalid = previewLaunch(dir, "train", ["training.lr=fast"]);
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.error).toMatch(/training\.lr/);
    const syntax = previewLaunch(dir, "train", ["training.lr=="]);
    expect(syntax.ok).toBe(false);
  });
});
