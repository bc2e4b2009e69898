import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { ConfigError } from "./errors";
import type { ConfigNode, MapNode, Origin, Scalar } from "./tree";

export class YamlSyntaxError extends ConfigError {}

/**
 * Parse YAML text into a config tree where every node records `file:line:column`.
 * An empty document is an empty map; a non-map document is an error.
 */
export function parseYamlConfig(text: string, file: string): MapNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = lineCounter.linePos(err.pos[0]);
    const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "");
    throw new YamlSyntaxError(`${file}:${pos.line}:${pos.col}: YAML syntax error: ${reason}`);
  }
  const originAt = (offset: number | undefined): Origin => {
    if (offset === undefined) return { kind: "file", file };
    const { line, col } = lineCounter.linePos(offset);
    return { kind: "file", file, line, column: col };
  };
  if (doc.contents === null) return { kind: "map", entries: new Map(), origin: originAt(0) };
  const root = convert(doc.contents, doc, originAt, file, originAt(doc.contents.range?.[0]), new Set());
  if (root.kind !== "map") {
    throw new YamlSyntaxError(`${file}:${root.origin.line ?? 1}: a config file must be a mapping at the top level`);
  }
  return root;
}

function convert(
  node: unknown,
  doc: Document,
  originAt: (offset: number | undefined) => Origin,
  file: string,
  origin: Origin,
  resolving: Set<unknown>,
): ConfigNode {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target || resolving.has(target)) throw new YamlSyntaxError(`${file}:${origin.line}: unresolvable or recursive alias *${node.source}`);
    resolving.add(target);
    const out = convert(target, doc, originAt, file, origin, resolving);
    resolving.delete(target);
    return out;
  }
  if (isMap(node)) {
    const entries = new Map<string, ConfigNode>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = isScalar(keyNode) ? keyNode.value : keyNode;
      const keyOrigin = originAt(isScalar(keyNode) ? keyNode.range?.[0] : undefined);
      if (key === null || typeof key === "object") {
        throw new YamlSyntaxError(`${file}:${keyOrigin.line ?? "?"}: map keys must be strings or numbers`);
      }
      const valueNode = pair.value as YamlNode | null;
      entries.set(
        String(key),
        valueNode === null ? { kind: "scalar", value: null, origin: keyOrigin } : convert(valueNode, doc, originAt, file, keyOrigin, resolving),
      );
    }
    return { kind: "map", entries, origin };
  }
  if (isSeq(node)) {
    const items = node.items.map((item) => {
      const itemNode = item as YamlNode | null;
      const itemOrigin = originAt(itemNode?.range?.[0]);
      return itemNode === null ? ({ kind: "scalar", value: null, origin: itemOrigin } as ConfigNode) : convert(itemNode, doc, originAt, file, itemOrigin, resolving);
    });
    return { kind: "list", items, origin };
  }
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      return { kind: "scalar", value: value as Scalar, origin };
    }
    throw new YamlSyntaxError(`${file}:${origin.line}: unsupported YAML value of type ${typeof value}`);
  }
  throw new YamlSyntaxError(`${file}:${origin.line}: unsupported YAML node`);
}
