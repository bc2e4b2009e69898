/**
 * OmegaConf-style interpolation over a composed tree:
 *   ${training.lr}               absolute reference (any group)
 *   ${.sibling} / ${..uncle}     relative reference
 *   "${system.paths.root}/data"  embedded in a string (string result)
 *   ${oc.env:VAR} / ${oc.env:VAR,default}  environment lookup (typed like override values)
 *   \${...}                      a literal "${...}"
 * A string that is exactly one interpolation takes the type of the referenced value.
 */
import { ConfigError } from "./errors";
import { typePrimitive } from "./overrides-parser";
import { suggestionSuffix } from "./suggest";
import { cloneNode, formatOrigin, formatPath, type ConfigNode, type MapNode, type Origin, type PathSeg, type Scalar } from "./tree";

export class InterpolationError extends ConfigError {}

export type Env = Readonly<Record<string, string | undefined>>;

type Piece = { kind: "text"; text: string } | { kind: "expr"; expr: string };

export function hasInterpolation(value: string): boolean {
  return value.includes("${");
}

/** Split a string into literal text and `${...}` expressions (nested braces allowed). */
export function splitInterpolations(value: string, where: string): Piece[] {
  const pieces: Piece[] = [];
  let text = "";
  let i = 0;
  while (i < value.length) {
    if (value.startsWith("\\${", i)) {
      text += "${";
      i += 3;
      continue;
    }
    if (value.startsWith("${", i)) {
      let depth = 0;
      let j = i;
      for (; j < value.length; j++) {
        if (value[j] === "{") depth++;
        else if (value[j] === "}" && --depth === 0) break;
      }
      if (j >= value.length) throw new InterpolationError(`Unterminated interpolation in ${JSON.stringify(value)} (${where})`);
      if (text) pieces.push({ kind: "text", text });
      text = "";
      pieces.push({ kind: "expr", expr: value.slice(i + 2, j) });
      i = j + 1;
      continue;
    }
    text += value[i];
    i++;
  }
  if (text) pieces.push({ kind: "text", text });
  return pieces;
}

export interface InterpolateOptions {
  env?: Env;
}

/** Return a new tree with every interpolation resolved; the input tree is not modified. */
export function resolveInterpolations(root: MapNode, options: InterpolateOptions = {}): MapNode {
  const env = options.env ?? {};
  const memo = new Map<string, ConfigNode>();
  const stack: string[] = [];

  const childOf = (node: ConfigNode, seg: string): ConfigNode | undefined => {
    if (node.kind === "map") return node.entries.get(seg);
    if (node.kind === "list" && /^\d+$/.test(seg)) return node.items[Number(seg)];
    return undefined;
  };

  /** The resolved node at `path`. */
  const resolveAt = (path: PathSeg[]): ConfigNode => {
    const key = formatPath(path);
    const done = memo.get(key);
    if (done) return done;
    const at = stack.indexOf(key);
    if (at >= 0) throw new InterpolationError(`Interpolation cycle: ${[...stack.slice(at), key].join(" → ")}`);
    const node = findRaw(path);
    stack.push(key);
    const out = resolveNode(node, path);
    stack.pop();
    memo.set(key, out);
    return out;
  };

  /** The unresolved node at `path`, looking through interpolated intermediate nodes. */
  const findRaw = (path: PathSeg[]): ConfigNode => {
    let node: ConfigNode = root;
    for (let i = 0; i < path.length; i++) {
      if (node.kind === "scalar" && typeof node.value === "string" && hasInterpolation(node.value)) node = resolveAt(path.slice(0, i));
      const next = childOf(node, String(path[i]));
      if (next === undefined) {
        const keys = node.kind === "map" ? [...node.entries.keys()] : [];
        throw new InterpolationError(
          `Interpolation key '${path.join(".")}' not found${suggestionSuffix(String(path[i]), keys)}`,
        );
      }
      node = next;
    }
    return node;
  };

  const resolveNode = (node: ConfigNode, path: PathSeg[]): ConfigNode => {
    if (node.kind === "map") {
      const entries = new Map<string, ConfigNode>();
      for (const k of node.entries.keys()) entries.set(k, resolveAt([...path, k]));
      return { kind: "map", entries, origin: node.origin };
    }
    if (node.kind === "list") return { kind: "list", items: node.items.map((_, i) => resolveAt([...path, i])), origin: node.origin };
    if (typeof node.value !== "string" || !hasInterpolation(node.value)) return { ...node };
    return evaluate(node.value, node.origin, path);
  };

  const evaluate = (value: string, origin: Origin, path: PathSeg[]): ConfigNode => {
    const where = `${formatPath(path)}, ${formatOrigin(origin)}`;
    const pieces = splitInterpolations(value, where);
    const noted = (o: Origin, note: string): Origin => ({ ...o, notes: [...(o.notes ?? []), note] });
    if (pieces.length === 1 && pieces[0].kind === "expr") {
      const expr = pieces[0].expr;
      const result = evalExpr(expr, path, where);
      if (result.kind === "scalar") return { kind: "scalar", value: result.value, origin: noted(origin, `from \${${expr}}`) };
      const copy = cloneNode(result);
      copy.origin = noted(origin, `from \${${expr}}`);
      return copy;
    }
    let text = "";
    for (const piece of pieces) {
      if (piece.kind === "text") text += piece.text;
      else {
        const result = evalExpr(piece.expr, path, where);
        if (result.kind !== "scalar") throw new InterpolationError(`Cannot embed the ${result.kind} \${${piece.expr}} in a string (${where})`);
        text += String(result.value);
      }
    }
    return { kind: "scalar", value: text, origin: noted(origin, `from ${JSON.stringify(value)}`) };
  };

  const evalExpr = (rawExpr: string, path: PathSeg[], where: string): ConfigNode => {
    // Nested interpolations inside resolver arguments are resolved first.
    const expr = hasInterpolation(rawExpr) ? String(scalarOf(evaluate(rawExpr, { kind: "builtin" }, path), rawExpr, where)) : rawExpr.trim();
    const resolver = /^([A-Za-z_][\w.]*):(.*)$/s.exec(expr);
    if (resolver) {
      const [, name, args] = resolver;
      if (name !== "oc.env") throw new InterpolationError(`Unknown interpolation resolver '${name}' in \${${rawExpr}} (${where})`);
      const comma = args.indexOf(",");
      const variable = (comma >= 0 ? args.slice(0, comma) : args).trim();
      const fallback = comma >= 0 ? args.slice(comma + 1).trim() : undefined;
      const fromEnv = env[variable];
      let value: Scalar;
      if (fromEnv !== undefined) value = typeEnv(fromEnv);
      else if (fallback !== undefined) value = /^(['"]).*\1$/s.test(fallback) ? fallback.slice(1, -1) : typeEnv(fallback);
      else throw new InterpolationError(`Environment variable '${variable}' is not set and \${${rawExpr}} has no default (${where})`);
      return { kind: "scalar", value, origin: { kind: "builtin" } };
    }
    if (!/^\.*[\w-]+(\.[\w-]+)*$/.test(expr)) throw new InterpolationError(`Invalid interpolation \${${rawExpr}} (${where})`);
    const dots = /^\.*/.exec(expr)?.[0].length ?? 0;
    const segs = expr.slice(dots).split(".");
    let target: PathSeg[];
    if (dots === 0) target = segs;
    else {
      const base = path.slice(0, path.length - dots); // one dot = the containing node
      if (path.length - dots < 0) throw new InterpolationError(`Relative interpolation \${${rawExpr}} goes above the root (${where})`);
      target = [...base, ...segs];
    }
    try {
      return resolveAt(target);
    } catch (err) {
      if (err instanceof InterpolationError && err.message.startsWith("Interpolation key") && !err.message.includes("(referenced by")) {
        throw new InterpolationError(`${err.message} (referenced by \${${rawExpr}} at ${where})`);
      }
      throw err;
    }
  };

  const resolved = resolveAt([]);
  return resolved as MapNode;
}

function scalarOf(node: ConfigNode, expr: string, where: string): Scalar {
  if (node.kind !== "scalar") throw new InterpolationError(`Cannot use the ${node.kind} \${${expr}} here (${where})`);
  return node.value;
}

/** Environment values and defaults are typed like override values ("2" → 2, "null" → null). */
function typeEnv(text: string): Scalar {
  const typed = typePrimitive(text);
  return typeof typed === "object" && typed !== null ? text : (typed as Scalar);
}
