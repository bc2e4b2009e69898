/**
 * Structural diff of 2..N configs. The first config is the baseline. The result is a tree
 * (for a collapsible view) plus the flat list of differing leaves (for the terminal and
 * JSON). Lists are aligned: lists of records by an identity key (name/id/key), other lists
 * by longest common subsequence, with unmatched elements in the same gap paired as changes.
 * Every side's value carries its own path and origin (provenance).
 */
import { formatPath, toPlain, type ConfigNode, type ConfigValue, type Origin, type PathSeg } from "./tree";

export type DiffStatus = "equal" | "changed" | "added" | "removed";

export interface DiffSide {
  label: string;
  tree: ConfigNode;
}

export interface DiffValue {
  present: boolean;
  value?: ConfigValue;
  /** This side's own path to the value (list indices may differ between sides). */
  path?: string;
  origin?: Origin;
}

export interface DiffNode {
  /** Segment shown in a tree view: `lr`, `[2]`, `[name=z_500]`. */
  key: string;
  /** Display path from the root, e.g. `training.lr`, `data.variables.forcing[2]`. */
  path: string;
  kind: "map" | "list" | "leaf";
  status: DiffStatus;
  /** Leaves only: one entry per side. */
  values?: DiffValue[];
  children?: DiffNode[];
  /** Number of differing leaves below (or 1/0 for a leaf). */
  differences: number;
  /** Number of leaves below (1 for a leaf). */
  leaves: number;
}

export interface DiffLeaf {
  path: string;
  status: Exclude<DiffStatus, "equal">;
  values: DiffValue[];
}

export interface ConfigDiff {
  labels: string[];
  root: DiffNode;
  changes: DiffLeaf[];
  summary: { leaves: number; changed: number; added: number; removed: number };
}

export interface DiffOptions {
  /** Keys that identify records inside lists, tried in order. */
  identityKeys?: readonly string[];
  /** Above this many element pairs, lists are aligned by index instead of LCS. */
  lcsLimit?: number;
}

const DEFAULT_IDENTITY_KEYS = ["name", "id", "key"];

function canonical(node: ConfigNode): string {
  return JSON.stringify(toPlain(node));
}

function statusOf(present: boolean[], equal: boolean): DiffStatus {
  if (!present[0]) return "added";
  if (present.some((p) => !p)) return "removed";
  return equal ? "equal" : "changed";
}

/** Identity key shared by every element of every list, with unique scalar values per list. */
function identityKey(lists: ConfigNode[][], keys: readonly string[]): string | undefined {
  const all = lists.flat();
  if (all.length === 0) return undefined;
  for (const key of keys) {
    const ok = lists.every((items) => {
      const seen = new Set<string>();
      for (const item of items) {
        if (item.kind !== "map") return false;
        const id = item.entries.get(key);
        if (!id || id.kind !== "scalar") return false;
        const text = JSON.stringify(id.value);
        if (seen.has(text)) return false;
        seen.add(text);
      }
      return true;
    });
    if (ok) return key;
  }
  return undefined;
}

/** LCS matches between a and b as index pairs (ascending). */
function lcsPairs(a: string[], b: string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = a[i] === b[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return pairs;
}

interface Slot {
  /** Element index per side, or -1 when the side has no element in this slot. */
  index: number[];
  label: string;
}

/** Align the items of each side's list into slots. */
function alignLists(lists: (ConfigNode[] | undefined)[], options: Required<DiffOptions>): Slot[] {
  const sides = lists.length;
  const present = lists.map((l, s) => (l ? s : -1)).filter((s) => s >= 0);
  const idKey = identityKey(present.map((s) => lists[s] as ConfigNode[]), options.identityKeys);
  const slots: Slot[] = [];
  const newSlot = () => ({ index: new Array<number>(sides).fill(-1), label: "" });

  if (idKey) {
    const byId = new Map<string, Slot>();
    for (const s of present) {
      (lists[s] as ConfigNode[]).forEach((item, i) => {
        const idNode = (item as Extract<ConfigNode, { kind: "map" }>).entries.get(idKey) as Extract<ConfigNode, { kind: "scalar" }>;
        const id = JSON.stringify(idNode.value);
        let slot = byId.get(id);
        if (!slot) {
          slot = newSlot();
          slot.label = `[${idKey}=${typeof idNode.value === "string" ? idNode.value : id}]`;
          byId.set(id, slot);
          slots.push(slot);
        }
        slot.index[s] = i;
      });
    }
    return slots;
  }

  for (const s of present) {
    const items = lists[s] as ConfigNode[];
    if (slots.length === 0) {
      items.forEach((_, i) => {
        const slot = newSlot();
        slot.index[s] = i;
        slots.push(slot);
      });
      continue;
    }
    // Representative of each slot: the element of the first side that has one.
    const reps = slots.map((slot) => {
      const side = slot.index.findIndex((i) => i >= 0);
      return canonical((lists[side] as ConfigNode[])[slot.index[side]]);
    });
    const mine = items.map(canonical);
    const anchors =
      reps.length * mine.length <= options.lcsLimit
        ? lcsPairs(reps, mine)
        : Array.from({ length: Math.min(reps.length, mine.length) }, (_, k) => [k, k] as [number, number]);
    // Walk the gaps between anchors: pair leftovers positionally, insert the rest as new slots.
    const result: Slot[] = [];
    let r = 0;
    let m = 0;
    const flushGap = (rEnd: number, mEnd: number) => {
      while (r < rEnd && m < mEnd) {
        slots[r].index[s] = m++;
        result.push(slots[r++]);
      }
      while (r < rEnd) result.push(slots[r++]);
      while (m < mEnd) {
        const slot = newSlot();
        slot.index[s] = m++;
        result.push(slot);
      }
    };
    for (const [ri, mi] of anchors) {
      flushGap(ri, mi);
      slots[ri].index[s] = mi;
      result.push(slots[ri]);
      r = ri + 1;
      m = mi + 1;
    }
    flushGap(slots.length, items.length);
    slots.splice(0, slots.length, ...result);
  }
  return slots;
}

export function diffConfigs(sides: readonly DiffSide[], options: DiffOptions = {}): ConfigDiff {
  if (sides.length < 2) throw new Error("diffConfigs needs at least two configs");
  const opts: Required<DiffOptions> = { identityKeys: options.identityKeys ?? DEFAULT_IDENTITY_KEYS, lcsLimit: options.lcsLimit ?? 4_000_000 };
  const changes: DiffLeaf[] = [];
  const summary = { leaves: 0, changed: 0, added: 0, removed: 0 };

  const leaf = (key: string, path: string, nodes: (ConfigNode | undefined)[], paths: (PathSeg[] | undefined)[]): DiffNode => {
    const values: DiffValue[] = nodes.map((n, s) =>
      n ? { present: true, value: toPlain(n), path: formatPath(paths[s] as PathSeg[]), origin: n.origin } : { present: false },
    );
    const texts = values.filter((v) => v.present).map((v) => JSON.stringify(v.value));
    const status = statusOf(
      values.map((v) => v.present),
      texts.every((t) => t === texts[0]),
    );
    summary.leaves++;
    if (status !== "equal") {
      summary[status]++;
      changes.push({ path, status, values });
    }
    return { key, path, kind: "leaf", status, values, differences: status === "equal" ? 0 : 1, leaves: 1 };
  };

  const walk = (key: string, path: string, nodes: (ConfigNode | undefined)[], paths: (PathSeg[] | undefined)[]): DiffNode => {
    const present = nodes.filter((n): n is ConfigNode => n !== undefined);
    const kinds = new Set(present.map((n) => n.kind));
    const empty = present.every((n) => (n.kind === "map" ? n.entries.size === 0 : n.kind === "list" ? n.items.length === 0 : true));
    if (kinds.size !== 1 || kinds.has("scalar") || empty) return leaf(key, path, nodes, paths);
    const children: DiffNode[] = [];
    if (kinds.has("map")) {
      const keys: string[] = [];
      const seen = new Set<string>();
      for (const n of present) {
        for (const k of (n as Extract<ConfigNode, { kind: "map" }>).entries.keys()) {
          if (!seen.has(k)) {
            seen.add(k);
            keys.push(k);
          }
        }
      }
      for (const k of keys) {
        const childNodes = nodes.map((n) => (n?.kind === "map" ? n.entries.get(k) : undefined));
        const childPath = formatPath([k]);
        const shown = path === "" ? childPath : childPath.startsWith("[") ? path + childPath : `${path}.${childPath}`;
        children.push(
          walk(k, shown, childNodes, paths.map((p, s) => (p && childNodes[s] ? [...p, k] : undefined))),
        );
      }
    } else {
      const lists = nodes.map((n) => (n?.kind === "list" ? n.items : undefined));
      const slots = alignLists(lists, opts);
      slots.forEach((slot) => {
        const baseSide = slot.index.findIndex((i) => i >= 0);
        const label = slot.label || `[${slot.index[baseSide]}]`;
        const childNodes = slot.index.map((i, s) => (i >= 0 ? (lists[s] as ConfigNode[])[i] : undefined));
        children.push(walk(label, path + label, childNodes, paths.map((p, s) => (p && slot.index[s] >= 0 ? [...p, slot.index[s]] : undefined))));
      });
    }
    const differences = children.reduce((a, c) => a + c.differences, 0);
    const leaves = children.reduce((a, c) => a + c.leaves, 0);
    const status = statusOf(
      nodes.map((n) => n !== undefined),
      differences === 0,
    );
    return { key, path, kind: kinds.has("map") ? "map" : "list", status, children, differences, leaves };
  };

  const root = walk(
    "",
    "",
    sides.map((s) => s.tree),
    sides.map(() => []),
  );
  return { labels: sides.map((s) => s.label), root, changes, summary };
}
