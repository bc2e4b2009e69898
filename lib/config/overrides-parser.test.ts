import { describe, expect, it } from "vitest";
import { expandSweeps, OverrideSyntaxError, parseOverride } from "./overrides-parser";

const value = (text: string) => parseOverride(text).value;

describe("override grammar", () => {
  it("parses the four override types and keys", () => {
    expect(parseOverride("training.lr=1e-4")).toMatchObject({ type: "change", key: "training.lr", path: ["training", "lr"], value: 0.0001 });
    expect(parseOverride("+diagnostics.extra=1")).toMatchObject({ type: "add", path: ["diagnostics", "extra"], value: 1 });
    expect(parseOverride("++a.b=x")).toMatchObject({ type: "force-add", path: ["a", "b"], value: "x" });
    expect(parseOverride("~training.swa")).toMatchObject({ type: "delete", path: ["training", "swa"], value: undefined });
    expect(parseOverride("~training.seed=42")).toMatchObject({ type: "delete", value: 42 });
    expect(parseOverride("model/encoder=small")).toMatchObject({ key: "model/encoder", path: ["model", "encoder"], value: "small" });
  });

  it("types unquoted values like YAML and keeps quoted ones as strings", () => {
    expect(value("a=42")).toBe(42);
    expect(value("a=-7")).toBe(-7);
    expect(value("a=1.5")).toBe(1.5);
    expect(value("a=.5")).toBe(0.5);
    expect(value("a=1e3")).toBe(1000);
    expect(value("a=true")).toBe(true);
    expect(value("a=False")).toBe(false);
    expect(value("a=null")).toBe(null);
    expect(value("a=inf")).toBe(Infinity);
    expect(value("a=-inf")).toBe(-Infinity);
    expect(value("a=nan")).toBeNaN();
    expect(value("a=2t")).toBe("2t");
    expect(value("a=2020-01-01")).toBe("2020-01-01");
    expect(value("a='42'")).toBe("42");
    expect(value('a="null"')).toBe("null");
    expect(value("a='it\\'s'")).toBe("it's");
    expect(value("a=")).toBe("");
    expect(value("a=hello world")).toBe("hello world");
    expect(value("a=  padded  ")).toBe("padded");
    expect(value("a=x\\,y")).toBe("x,y");
    expect(value("a=\\42")).toBe("\\42"); // backslash only escapes structural characters
    expect(value("a=\\[1\\]")).toBe("[1]");
    expect(parseOverride("a='x'").quoted).toBe(true);
    expect(parseOverride("a=x").quoted).toBe(false);
  });

  it("parses lists and dicts, nested", () => {
    expect(value("data.variables=[2t,msl]")).toEqual(["2t", "msl"]);
    expect(value("a=[]")).toEqual([]);
    expect(value("a={}")).toEqual({});
    expect(value("a=[1, 'two', [3, null]]")).toEqual([1, "two", [3, null]]);
    expect(value("a={a:1,b:2}")).toEqual({ a: 1, b: 2 });
    expect(value("a={x: [1,2], 'y z': {k: v}}")).toEqual({ x: [1, 2], "y z": { k: "v" } });
  });

  it("keeps interpolations verbatim, including commas and braces inside them", () => {
    expect(value("a=${training.lr}")).toBe("${training.lr}");
    expect(value("a=${oc.env:HOME,/tmp}/x")).toBe("${oc.env:HOME,/tmp}/x");
    expect(parseOverride("a=${oc.env:A,b}").sweep).toBeUndefined();
  });

  it("reads top-level comma lists as sweeps and expands them as a cartesian product", () => {
    const lr = parseOverride("training.lr=1e-3,1e-4");
    expect(lr.sweep).toEqual([0.001, 0.0001]);
    expect(parseOverride("model=gnn,transformer").sweep).toEqual(["gnn", "transformer"]);
    const combos = expandSweeps([lr, parseOverride("model=gnn,mlp"), parseOverride("training.seed=1")]);
    expect(combos.map((c) => c.map((o) => o.text).join(" "))).toEqual([
      "training.lr=1e-3 model=gnn training.seed=1",
      "training.lr=1e-3 model=mlp training.seed=1",
      "training.lr=1e-4 model=gnn training.seed=1",
      "training.lr=1e-4 model=mlp training.seed=1",
    ]);
    expect(combos[3].map((o) => o.value)).toEqual([0.0001, "mlp", 1]);
    expect(combos[0][0].sweep).toBeUndefined();
    expect(parseOverride("a=[1,2],[3]").sweep).toEqual([[1, 2], [3]]);
  });

  const errorOf = (text: string): OverrideSyntaxError => {
    try {
      parseOverride(text);
    } catch (err) {
      if (err instanceof OverrideSyntaxError) return err;
      throw err;
    }
    throw new Error(`no error for ${text}`);
  };

  it("reports syntax errors with a caret under the offending character", () => {
    expect(errorOf("training.lr=[1,2").message).toBe(
      "Invalid override 'training.lr=[1,2': expected ',' or ']' but found the end of the override\n  training.lr=[1,2\n                  ^",
    );
    expect(errorOf("training.lr").message).toBe("Invalid override 'training.lr': expected '=' after the key\n  training.lr\n             ^");
    expect(errorOf("train ing.lr=1").message).toBe("Invalid override 'train ing.lr=1': unexpected ' ' in key (expected '=')\n  train ing.lr=1\n       ^");
    expect(errorOf("a.=1").message).toBe("Invalid override 'a.=1': unexpected '=' in key\n  a.=1\n    ^");
    expect(errorOf("=1").message).toBe("Invalid override '=1': unexpected '=' in key\n  =1\n  ^");
    expect(errorOf("a='open").message).toBe("Invalid override 'a='open': unterminated quoted string (missing ')\n  a='open\n    ^");
    expect(errorOf("a={x 1}").message).toBe("Invalid override 'a={x 1}': expected ':' after dict key 'x' but found '1'\n  a={x 1}\n       ^");
    expect(errorOf("a=[1,,2]").message).toBe("Invalid override 'a=[1,,2]': expected a value but found ','\n  a=[1,,2]\n       ^");
    expect(errorOf("a=b=c").message).toBe("Invalid override 'a=b=c': unexpected '=' in value (quote the value to use '=')\n  a=b=c\n     ^");
    expect(errorOf("a=${x").message).toBe("Invalid override 'a=${x': unterminated interpolation (missing '}')\n  a=${x\n    ^");
    expect(errorOf("a=[1]x").message).toBe("Invalid override 'a=[1]x': unexpected 'x'\n  a=[1]x\n       ^");
    expect(errorOf("~a=1,2").reason).toBe("a deletion cannot take a sweep");
    expect(errorOf("a={k:1,k:2}").reason).toBe("duplicate dict key 'k'");
    expect(errorOf("a=[1,2").position).toBe(6);
  });
});
