import { describe, expect, it } from "vitest";
import { diffConfigs } from "./diff";
import { diffToJson, renderDiff } from "./diff-render";
import { parseYamlConfig } from "./yaml-source";
import { fromPlain, type ConfigValue } from "./tree";

const side = (label: string, yaml: string) => ({ label, tree: parseYamlConfig(yaml, `${label}.yaml`) });
const plainSide = (label: string, value: ConfigValue) => ({ label, tree: fromPlain(value, { kind: "file", file: label }) });
const summarize = (d: ReturnType<typeof diffConfigs>) => d.changes.map((c) => `${c.status} ${c.path} ${c.values.map((v) => (v.present ? JSON.stringify(v.value) : "-")).join(" | ")}`);

describe("config diff", () => {
  it("finds added, removed and changed leaves with each side's provenance", () => {
    const d = diffConfigs([side("A", "training:\n  lr: 0.001\n  swa: {enabled: false}\nseed: 1\n"), side("B", "training:\n  lr: 0.0001\nseed: 1\nextra: x\n")]);
    expect(summarize(d)).toEqual(["changed training.lr 0.001 | 0.0001", "removed training.swa.enabled false | -", "added extra - | \"x\""]);
    expect(d.summary).toEqual({ leaves: 4, changed: 1, added: 1, removed: 1 });
    expect(d.changes[0].values.map((v) => `${v.origin?.file}:${v.origin?.line}`)).toEqual(["A.yaml:2", "B.yaml:2"]);
    expect(renderDiff(d)).toBe(
      [
        "A: A",
        "B: B",
        "~ training.lr: 0.001 → 0.0001",
        "    A  A.yaml:2",
        "    B  B.yaml:2",
        "- training.swa.enabled: false",
        "    A  A.yaml:3",
        '+ extra: "x"',
        "    B  B.yaml:4",
        "1 changed, 1 added, 1 removed (4 leaves compared)",
      ].join("\n"),
    );
  });

  it("aligns scalar lists by LCS, pairing replacements in the same gap", () => {
    const d = diffConfigs([plainSide("A", { v: ["2t", "msl", "tp", "z"] }), plainSide("B", { v: ["2t", "sp", "tp", "z", "q"] })]);
    expect(summarize(d)).toEqual(['changed v[1] "msl" | "sp"', 'added v[4] - | "q"']);
    const ins = diffConfigs([plainSide("A", { v: ["a", "b", "c"] }), plainSide("B", { v: ["x", "a", "b", "c"] })]);
    expect(summarize(ins)).toEqual(['added v[0] - | "x"']);
    expect(ins.changes[0].values[1].path).toBe("v[0]");
    const del = diffConfigs([plainSide("A", { v: [1, 2, 3] }), plainSide("B", { v: [1, 3] })]);
    expect(summarize(del)).toEqual(["removed v[1] 2 | -"]);
  });

  it("aligns lists of records by their identity key", () => {
    const d = diffConfigs([
      plainSide("A", { cb: [{ name: "plot", every: 10 }, { name: "ckpt", every: 100 }] }),
      plainSide("B", { cb: [{ name: "ckpt", every: 50 }, { name: "plot", every: 10 }, { name: "swa", every: 1 }] }),
    ]);
    expect(summarize(d)).toEqual(["changed cb[name=ckpt].every 100 | 50", 'added cb[name=swa].name - | "swa"', "added cb[name=swa].every - | 1"]);
    expect(d.changes[0].values.map((v) => v.path)).toEqual(["cb[1].every", "cb[0].every"]);
  });

  it("compares N configs against the first", () => {
    const d = diffConfigs([plainSide("A", { lr: 1, x: 1 }), plainSide("B", { lr: 1, x: 1 }), plainSide("C", { lr: 2 })]);
    expect(summarize(d)).toEqual(["changed lr 1 | 1 | 2", "removed x 1 | 1 | -"]);
    expect(renderDiff(d, { provenance: false })).toBe(
      ["A: A", "B: B", "C: C", "~ lr", "    A  1", "    B  1", "    C  2", "- x", "    A  1", "    B  1", "    C  (absent)", "1 changed, 0 added, 1 removed (2 leaves compared)"].join("\n"),
    );
  });

  it("builds a tree with difference counts for a collapsible view, and reports type changes as leaves", () => {
    const d = diffConfigs([plainSide("A", { g: { a: 1, b: { c: 1 } }, h: 1 }), plainSide("B", { g: { a: 1, b: 5 }, h: 1 })]);
    expect(d.root.differences).toBe(1);
    const g = d.root.children![0];
    expect(g).toMatchObject({ key: "g", kind: "map", status: "changed", differences: 1, leaves: 2 });
    expect(g.children![1]).toMatchObject({ key: "b", path: "g.b", kind: "leaf", status: "changed" });
    expect(d.root.children![1]).toMatchObject({ key: "h", status: "equal" });
    expect(JSON.parse(JSON.stringify(diffToJson(d)))).toMatchObject({ labels: ["A", "B"], summary: { changed: 1 } });
  });

  it("reports identical configs and stays fast for thousands of leaves", () => {
    const big = (bump: number) => ({
      groups: Object.fromEntries(Array.from({ length: 100 }, (_, g) => [`g${g}`, Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`k${k}`, g === 7 && k === 3 ? bump : k]))])),
      vars: Array.from({ length: 2000 }, (_, i) => `v${i}`),
    });
    const start = performance.now();
    const d = diffConfigs([plainSide("A", big(3)), plainSide("B", big(4))]);
    expect(performance.now() - start).toBeLessThan(1500);
    expect(summarize(d)).toEqual(["changed groups.g7.k3 3 | 4"]);
    expect(d.summary.leaves).toBe(7000);
    expect(renderDiff(diffConfigs([plainSide("A", { a: 1 }), plainSide("B", { a: 1 })]))).toBe("A: A\nB: B\nNo differences (1 leaves compared)");
  });
});
