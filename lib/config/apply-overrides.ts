/** Apply parsed value overrides (`a.b=v`, `+a.b=v`, `++a.b=v`, `~a.b`) to a composed tree. */
import { ConfigError } from "./errors";
import type { Override } from "./overrides-parser";
import { suggestionSuffix } from "./suggest";
import { formatOrigin, fromPlain, mapNode, toPlain, type ConfigNode, type MapNode, type Origin } from "./tree";

export class OverrideError extends ConfigError {}

function childOf(node: ConfigNode, seg: string): ConfigNode | undefined {
  if (node.kind === "map") return node.entries.get(seg);
  if (node.kind === "list" && /^\d+$/.test(seg)) return node.items[Number(seg)];
  return undefined;
}

function setChild(node: ConfigNode, seg: string, value: ConfigNode): void {
  if (node.kind === "map") node.entries.set(seg, value);
  else if (node.kind === "list") node.items[Number(seg)] = value;
}

function siblings(node: ConfigNode): string[] {
  return node.kind === "map" ? [...node.entries.keys()] : [];
}

function sameValue(a: ConfigNode, b: ConfigNode): boolean {
  return JSON.stringify(toPlain(a)) === JSON.stringify(toPlain(b));
}

export function overrideOrigin(o: Override): Origin {
  return { kind: "override", override: o.text };
}

export function applyValueOverride(root: MapNode, o: Override): void {
  const origin = overrideOrigin(o);
  const path = o.path;
  const last = path[path.length - 1];
  const create = o.type === "add" || o.type === "force-add";

  // Walk to the parent, creating maps only for additions.
  let parent: ConfigNode = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    let next = childOf(parent, seg);
    if (next === undefined) {
      if (!create || parent.kind !== "map") throw missingKey(o, path.slice(0, i + 1), parent);
      next = mapNode(origin);
      parent.entries.set(seg, next);
    }
    if (next.kind === "scalar") {
      throw new OverrideError(`Could not apply '${o.text}': '${path.slice(0, i + 1).join(".")}' is a value (${JSON.stringify(next.value)}), not a mapping`);
    }
    parent = next;
  }
  const existing = childOf(parent, last);
  if (parent.kind === "list" && !/^\d+$/.test(last)) {
    throw new OverrideError(`Could not apply '${o.text}': '${path.slice(0, -1).join(".")}' is a list; use a numeric index`);
  }
  if (parent.kind === "list" && existing === undefined) {
    throw new OverrideError(`Could not apply '${o.text}': index ${last} is out of range for '${path.slice(0, -1).join(".")}' (length ${parent.items.length})`);
  }

  switch (o.type) {
    case "change":
      if (existing === undefined) throw missingKey(o, path, parent);
      setChild(parent, last, fromPlain(o.value ?? null, origin));
      return;
    case "add":
      if (existing !== undefined) {
        throw new OverrideError(
          `Could not add '${o.key}': the key already exists (set by ${formatOrigin(existing.origin)}). Use ${o.key}=... to change it or ++${o.key}=... to add or replace`,
        );
      }
      setChild(parent, last, fromPlain(o.value ?? null, origin));
      return;
    case "force-add":
      setChild(parent, last, fromPlain(o.value ?? null, origin));
      return;
    case "delete":
      if (existing === undefined) throw new OverrideError(`Could not delete '${o.key}': no such key${suggestionSuffix(last, siblings(parent))}`);
      if (o.value !== undefined && !sameValue(existing, fromPlain(o.value, origin))) {
        throw new OverrideError(`Could not delete '${o.key}': its value is ${JSON.stringify(toPlain(existing))}, not ${JSON.stringify(o.value)}`);
      }
      if (parent.kind === "map") parent.entries.delete(last);
      else if (parent.kind === "list") parent.items.splice(Number(last), 1);
      return;
  }
}

function missingKey(o: Override, path: string[], parent: ConfigNode): OverrideError {
  const key = path[path.length - 1];
  const where = path.length > 1 ? ` in '${path.slice(0, -1).join(".")}'` : "";
  return new OverrideError(
    `Could not override '${o.key}': key '${key}' does not exist${where}${suggestionSuffix(key, siblings(parent))}. To add it use +${o.text.replace(/^~/, "")}`,
  );
}
