import { describe, expect, it } from "vitest";
import { composeConfig, composeSweep } from "./compose";
import { DefaultsListError } from "./defaults-list";
import { OverrideError } from "./apply-overrides";
import { memorySource } from "./source";
import { collectProvenance, formatOrigin, toPlain } from "./tree";

const files = {
  "train.yaml": `defaults:
  - model: gnn
  - optimizer: adam
  - optional extras: missing
  - _self_
top: 1
model:
  width: 64
`,
  "self_first.yaml": `defaults:
  - _self_
  - model: gnn
model:
  width: 64
`,
  "no_self.yaml": `defaults:
  - model: gnn
model:
  width: 64
`,
  "child.yaml": `defaults:
  - train
  - override model: transformer
  - _self_
top: 2
`,
  "mandatory.yaml": `defaults:
  - model: ???
`,
  "model/gnn.yaml": `width: 32
layers: 4
defaults:
  - encoder: small
`,
  "model/transformer.yaml": `width: 48
heads: 8
`,
  "model/encoder/small.yaml": "size: 1\n",
  "model/encoder/large.yaml": "size: 9\n",
  "optimizer/adam.yaml": "lr: 0.001\nbetas: [0.9, 0.99]\nswa:\n  on: false\n",
  "optimizer/sgd.yaml": "lr: 0.1\nmomentum: 0.9\n",
  "extras/present.yaml": "x: 1\n",
  "plugins/p1.yaml": "y: 2\n",
  "cycle_a.yaml": "defaults:\n  - cycle_b\n",
  "cycle_b.yaml": "defaults:\n  - cycle_a\n",
};
const source = memorySource(files, "cfg");
const compose = (entry: string, overrides: string[] = []) => composeConfig({ source, entry, overrides });
const plain = (entry: string, overrides: string[] = []) => toPlain(compose(entry, overrides).tree);
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected an error");
};

describe("defaults lists", () => {
  it("puts group content under the group key, nested groups under their parent, _self_ last", () => {
    expect(plain("train")).toEqual({
      model: { width: 64, layers: 4, encoder: { size: 1 } },
      optimizer: { lr: 0.001, betas: [0.9, 0.99], swa: { on: false } },
      top: 1,
    });
    expect(compose("train").choices).toEqual({ model: "gnn", "model/encoder": "small", optimizer: "adam", extras: "missing" });
  });

  it("honours _self_ position: first means the defaults win, missing means last", () => {
    expect((plain("self_first") as { model: { width: number } }).model.width).toBe(32);
    expect((plain("no_self") as { model: { width: number } }).model.width).toBe(64);
  });

  it("applies `override` entries from an including config and lets the child's _self_ win", () => {
    expect(plain("child")).toEqual({
      model: { width: 64, heads: 8 },
      optimizer: { lr: 0.001, betas: [0.9, 0.99], swa: { on: false } },
      top: 2,
    });
  });

  it("chooses, appends and deletes groups from the command line", () => {
    expect(plain("train", ["model=transformer", "optimizer=sgd"])).toEqual({
      model: { width: 64, heads: 8 },
      optimizer: { lr: 0.1, momentum: 0.9 },
      top: 1,
    });
    expect((plain("train", ["model/encoder=large"]) as { model: { encoder: unknown } }).model.encoder).toEqual({ size: 9 });
    expect((plain("train", ["+plugins=p1"]) as { plugins: unknown }).plugins).toEqual({ y: 2 });
    expect(Object.keys(plain("train", ["~optimizer"]) as object)).toEqual(["model", "top"]);
    expect(compose("train", ["~optimizer"]).choices.optimizer).toBe(null);
  });

  it("skips optional entries whose option does not exist but takes them when it does", () => {
    expect(Object.keys(plain("train") as object)).not.toContain("extras");
    expect((plain("train", ["extras=present"]) as { extras: unknown }).extras).toEqual({ x: 1 });
  });

  it("reports unknown options, groups and entries with suggestions", () => {
    expect(messageOf(() => compose("train", ["model=gnx"]))).toBe(
      "Unknown option 'gnx' for config group 'model' (override 'model=gnx'). Did you mean 'gnn'? Available options: gnn, transformer",
    );
    expect(messageOf(() => compose("trian"))).toBe(
      "Config 'trian' not found in cfg. Did you mean 'train'? Available: child, cycle_a, cycle_b, mandatory, no_self, self_first, train",
    );
    expect(messageOf(() => compose("mandatory"))).toBe("You must choose an option for config group 'model' (e.g. model=gnn); options: gnn, transformer");
    expect(messageOf(() => compose("cycle_a"))).toBe("Defaults cycle: cfg/cycle_a.yaml → cfg/cycle_b.yaml → cfg/cycle_a.yaml");
    expect(messageOf(() => compose("train", ["~plugins"]))).toBe("Could not delete 'plugins' (override '~plugins'): the group is not in the defaults list");
    expect(messageOf(() => compose("train", ["plugins=p1"]))).toBe(
      "Could not override 'plugins' (override 'plugins=p1'): the group is not in the defaults list. To append it use +plugins=p1",
    );
    expect(messageOf(() => compose("train", ["+extras=present"]))).toBe(
      "override '+extras=present': group 'extras' is already in the defaults list (cfg/train.yaml:4)",
    );
    // Not a group directory, so `+optimiser=sgd` adds a plain value (schema validation reports it).
    expect((plain("train", ["+optimiser=sgd"]) as { optimiser: unknown }).optimiser).toBe("sgd");
    expect(() => compose("train", ["model=gnx"])).toThrow(DefaultsListError);
  });
});

describe("value overrides", () => {
  it("changes, adds, force-adds and deletes values", () => {
    const out = plain("train", ["model.width=128", "+model.extra.deep=[1,2]", "++optimizer.lr=0.5", "++optimizer.new=x", "~optimizer.swa"]);
    expect(out).toEqual({
      model: { width: 128, layers: 4, encoder: { size: 1 }, extra: { deep: [1, 2] } },
      optimizer: { lr: 0.5, betas: [0.9, 0.99], new: "x" },
      top: 1,
    });
    expect((plain("train", ["optimizer.betas.1=0.95"]) as { optimizer: { betas: number[] } }).optimizer.betas).toEqual([0.9, 0.95]);
    expect((plain("train", ["model='transformer'"]) as { model: unknown }).model).toBe("transformer");
  });

  it("reports the exact errors users see", () => {
    expect(messageOf(() => compose("train", ["model.widht=3"]))).toBe(
      "Could not override 'model.widht': key 'widht' does not exist in 'model' (did you mean 'width'?). To add it use +model.widht=3",
    );
    expect(messageOf(() => compose("train", ["+model.width=3"]))).toBe(
      "Could not add 'model.width': the key already exists (set by cfg/train.yaml:8). Use model.width=... to change it or ++model.width=... to add or replace",
    );
    expect(messageOf(() => compose("train", ["~model.nope"]))).toBe("Could not delete 'model.nope': no such key");
    expect(messageOf(() => compose("train", ["~top=2"]))).toBe("Could not delete 'top': its value is 1, not 2");
    expect(messageOf(() => compose("train", ["top.x=1"]))).toBe("Could not apply 'top.x=1': 'top' is a value (1), not a mapping");
    expect(messageOf(() => compose("train", ["optimizer.betas.5=1"]))).toBe(
      "Could not apply 'optimizer.betas.5=1': index 5 is out of range for 'optimizer.betas' (length 2)",
    );
    expect(() => compose("train", ["top.x=1"])).toThrow(OverrideError);
    expect(messageOf(() => compose("train", ["model.width=1,2"]))).toBe("'model.width=1,2' is a sweep; expand it with composeSweep (one config per combination)");
  });

  it("expands sweeps into one composed config per combination", () => {
    const configs = composeSweep({ source, entry: "train", overrides: ["model=gnn,transformer", "model.width=1,2"] });
    expect(configs.map((c) => (toPlain(c.tree) as { model: { width: number } }).model.width)).toEqual([1, 2, 1, 2]);
    expect(configs.map((c) => c.choices.model)).toEqual(["gnn", "gnn", "transformer", "transformer"]);
  });
});

describe("provenance", () => {
  it("records file:line for every leaf and the override text for overridden ones", () => {
    const prov = collectProvenance(compose("child", ["model.width=7", "+model.new=[a]"]).tree);
    const shown = Object.fromEntries([...prov].map(([k, o]) => [k, formatOrigin(o)]));
    expect(shown).toEqual({
      "model.width": "override 'model.width=7'",
      "model.heads": "cfg/model/transformer.yaml:2",
      "model.new[0]": "override '+model.new=[a]'",
      "optimizer.lr": "cfg/optimizer/adam.yaml:1",
      "optimizer.betas[0]": "cfg/optimizer/adam.yaml:2",
      "optimizer.betas[1]": "cfg/optimizer/adam.yaml:2",
      "optimizer.swa.on": "cfg/optimizer/adam.yaml:4",
      top: "cfg/child.yaml:5",
    });
    expect(prov.get("optimizer.betas[1]")?.column).toBe(14);
  });
});
