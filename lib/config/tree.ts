/**
 * The in-memory config tree used during composition. Every node carries the origin
 * (file:line or override) that last set it, so provenance survives merges, overrides,
 * interpolation and migrations.
 */

export type Scalar = string | number | boolean | null;
export type ConfigValue = Scalar | ConfigValue[] | { [key: string]: ConfigValue };
export type ConfigObject = { [key: string]: ConfigValue };
export type PathSeg = string | number;

export interface Origin {
  kind: "file" | "override" | "artifact" | "builtin";
  /** Display path of the file (file and artifact origins). */
  file?: string;
  /** 1-based line and column in `file`. */
  line?: number;
  column?: number;
  /** The override text exactly as given (override origins). */
  override?: string;
  /** The key in a foreign artifact that this value was read from (artifact origins). */
  key?: string;
  /** What happened to the value after it was set: interpolation, migration, ... */
  notes?: readonly string[];
}

export type ConfigNode = MapNode | ListNode | ScalarNode;
export interface MapNode {
  kind: "map";
  entries: Map<string, ConfigNode>;
  origin: Origin;
}
export interface ListNode {
  kind: "list";
  items: ConfigNode[];
  origin: Origin;
}
export interface ScalarNode {
  kind: "scalar";
  value: Scalar;
  origin: Origin;
}

export const BUILTIN: Origin = { kind: "builtin" };

export function mapNode(origin: Origin, entries: Map<string, ConfigNode> = new Map()): MapNode {
  return { kind: "map", entries, origin };
}

export function isPlainObject(value: unknown): value is ConfigObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Build a node tree from a plain value; every node gets `origin`. */
export function fromPlain(value: ConfigValue, origin: Origin): ConfigNode {
  if (Array.isArray(value)) return { kind: "list", items: value.map((v) => fromPlain(v, origin)), origin };
  if (isPlainObject(value)) {
    const entries = new Map<string, ConfigNode>();
    for (const [k, v] of Object.entries(value)) entries.set(k, fromPlain(v, origin));
    return { kind: "map", entries, origin };
  }
  return { kind: "scalar", value, origin };
}

export function toPlain(node: ConfigNode): ConfigValue {
  if (node.kind === "scalar") return node.value;
  if (node.kind === "list") return node.items.map(toPlain);
  const out: ConfigObject = {};
  for (const [k, v] of node.entries) out[k] = toPlain(v);
  return out;
}

export function cloneNode(node: ConfigNode): ConfigNode {
  if (node.kind === "scalar") return { ...node };
  if (node.kind === "list") return { kind: "list", items: node.items.map(cloneNode), origin: node.origin };
  const entries = new Map<string, ConfigNode>();
  for (const [k, v] of node.entries) entries.set(k, cloneNode(v));
  return { kind: "map", entries, origin: node.origin };
}

/** Return a copy of every origin in the subtree with `note` appended. */
export function annotate(node: ConfigNode, note: string): void {
  node.origin = { ...node.origin, notes: [...(node.origin.notes ?? []), note] };
  if (node.kind === "map") for (const child of node.entries.values()) annotate(child, note);
  if (node.kind === "list") for (const child of node.items) annotate(child, note);
}

/**
 * Hydra/OmegaConf merge: maps merge key by key, everything else (lists, scalars)
 * is replaced by the incoming node. `source` is consumed (not copied).
 */
export function mergeInto(target: MapNode, source: MapNode): void {
  for (const [key, incoming] of source.entries) {
    const existing = target.entries.get(key);
    if (existing && existing.kind === "map" && incoming.kind === "map") mergeInto(existing, incoming);
    else target.entries.set(key, incoming);
  }
}

export function getNode(root: ConfigNode, path: readonly PathSeg[]): ConfigNode | undefined {
  let node: ConfigNode | undefined = root;
  for (const seg of path) {
    if (!node) return undefined;
    if (node.kind === "map") node = node.entries.get(String(seg));
    else if (node.kind === "list") {
      const index = typeof seg === "number" ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      node = index >= 0 ? node.items[index] : undefined;
    } else return undefined;
  }
  return node;
}

/** Visit every leaf (scalars, empty maps, empty lists) with its path. */
export function walkLeaves(node: ConfigNode, visit: (path: PathSeg[], leaf: ConfigNode) => void, path: PathSeg[] = []): void {
  if (node.kind === "map" && node.entries.size > 0) {
    for (const [k, v] of node.entries) walkLeaves(v, visit, [...path, k]);
  } else if (node.kind === "list" && node.items.length > 0) {
    node.items.forEach((v, i) => walkLeaves(v, visit, [...path, i]));
  } else visit(path, node);
}

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Display form of a path: `training.lr`, `data.variables.prognostic[0]`, `a["b.c"]`.
 * Injective: list indices are bracketed numbers, unusual keys are bracketed JSON strings.
 */
export function formatPath(path: readonly PathSeg[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (SIMPLE_KEY.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Split a dotted user path (`training.lr`, `a.b.0`) into segments. */
export function splitDotted(path: string): string[] {
  return path === "" ? [] : path.split(".");
}

/** Map of display path → origin for every leaf of the tree. */
export function collectProvenance(node: ConfigNode): Map<string, Origin> {
  const out = new Map<string, Origin>();
  walkLeaves(node, (path, leaf) => out.set(formatPath(path), leaf.origin));
  return out;
}

export function formatOrigin(origin: Origin): string {
  let base: string;
  switch (origin.kind) {
    case "file":
      base = origin.line ? `${origin.file}:${origin.line}` : (origin.file ?? "?");
      break;
    case "override":
      base = `override '${origin.override}'`;
      break;
    case "artifact":
      base = origin.key ? `${origin.file} (${origin.key})` : (origin.file ?? "artifact");
      break;
    default:
      base = "(implicit)";
  }
  return origin.notes && origin.notes.length > 0 ? `${base} [${origin.notes.join("; ")}]` : base;
}

/** Short description of a value for messages: strings quoted, containers abbreviated. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
