import { describe, expect, it } from "vitest";
import { InterpolationError, resolveInterpolations } from "./interpolate";
import { parseYamlConfig } from "./yaml-source";
import { collectProvenance, formatOrigin, toPlain } from "./tree";

const resolve = (yaml: string, env: Record<string, string> = {}) => toPlain(resolveInterpolations(parseYamlConfig(yaml, "t.yaml"), { env }));
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof InterpolationError) return err.message;
    throw err;
  }
  throw new Error("expected an InterpolationError");
};

describe("interpolation", () => {
  it("resolves absolute references across groups, keeping the referenced type", () => {
    expect(
      resolve(`
training: {lr: 0.001, metrics: [z_500, t_850]}
diagnostics: {lr_copy: "\${training.lr}", plot: "\${training.metrics}", first: "\${training.metrics.0}"}
`),
    ).toEqual({
      training: { lr: 0.001, metrics: ["z_500", "t_850"] },
      diagnostics: { lr_copy: 0.001, plot: ["z_500", "t_850"], first: "z_500" },
    });
  });

  it("embeds values in strings, follows chains, and handles relative references", () => {
    expect(
      resolve(`
paths: {root: /data, sub: "\${paths.root}/x", deeper: "\${paths.sub}/y-\${n}", rel: "\${.root}!"}
n: 3
group: {a: 1, inner: {b: "\${..a}"}}
literal: "\\\\\${not.a.ref}"
`),
    ).toEqual({
      paths: { root: "/data", sub: "/data/x", deeper: "/data/x/y-3", rel: "/data!" },
      n: 3,
      group: { a: 1, inner: { b: 1 } },
      literal: "${not.a.ref}",
    });
  });

  it("reads environment variables with typed defaults", () => {
    const yaml = `home: "\${oc.env:ISOBAR_HOME,.isobar}"\nthreads: "\${oc.env:THREADS,2}"\nraw: "\${oc.env:THREADS,'2'}"\nnone: "\${oc.env:NOPE,null}"\npath: "\${oc.env:ISOBAR_HOME}/runs"`;
    expect(resolve(yaml, { ISOBAR_HOME: "/srv/isobar" })).toEqual({ home: "/srv/isobar", threads: 2, raw: "2", none: null, path: "/srv/isobar/runs" });
    expect(resolve(yaml.split("\n").slice(0, 4).join("\n"), { THREADS: "8" })).toEqual({ home: ".isobar", threads: 8, raw: 8, none: null });
    expect(messageOf(() => resolve(`a: "\${oc.env:MISSING_VAR}"`))).toBe(
      "Environment variable 'MISSING_VAR' is not set and ${oc.env:MISSING_VAR} has no default (a, t.yaml:1)",
    );
  });

  it("detects cycles and names the cycle path", () => {
    expect(messageOf(() => resolve(`a: "\${b}"\nb: "\${c.d}"\nc: {d: "\${a}"}`))).toBe("Interpolation cycle: a → b → c.d → a");
    expect(messageOf(() => resolve(`x: "\${x}"`))).toBe("Interpolation cycle: x → x");
    expect(messageOf(() => resolve(`g: {x: "\${g}"}`))).toBe("Interpolation cycle: g → g.x → g");
  });

  it("reports missing keys, unknown resolvers and bad expressions", () => {
    expect(messageOf(() => resolve(`training: {lr: 1}\nx: "\${training.lrr}"`))).toBe(
      "Interpolation key 'training.lrr' not found (did you mean 'lr'?) (referenced by ${training.lrr} at x, t.yaml:2)",
    );
    expect(messageOf(() => resolve(`x: "\${oc.nope:1}"`))).toBe("Unknown interpolation resolver 'oc.nope' in ${oc.nope:1} (x, t.yaml:1)");
    expect(messageOf(() => resolve(`x: "\${a b}"`))).toBe("Invalid interpolation ${a b} (x, t.yaml:1)");
    expect(messageOf(() => resolve(`m: {a: 1}\nx: "v\${m}"`))).toBe("Cannot embed the map ${m} in a string (x, t.yaml:2)");
  });

  it("keeps provenance of the interpolating leaf with a note", () => {
    const tree = resolveInterpolations(parseYamlConfig(`a: 1\nb: "\${a}"`, "t.yaml"));
    const prov = collectProvenance(tree);
    expect(formatOrigin(prov.get("b")!)).toBe("t.yaml:2 [from ${a}]");
    expect(formatOrigin(prov.get("a")!)).toBe("t.yaml:1");
  });
});
