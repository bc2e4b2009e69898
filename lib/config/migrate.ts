/**
 * Schema versioning. A config carries `config_version`; configs written for an older
 * version are upgraded by registered steps, each recording what it did in the notes of
 * the affected leaves and in the returned summary.
 */
import { ConfigError } from "./errors";
import { annotate, BUILTIN, mapNode, type ConfigNode, type MapNode } from "./tree";

export const CURRENT_CONFIG_VERSION = 3;

export class MigrationError extends ConfigError {}

export interface MigrationStep {
  from: number;
  to: number;
  /** One line, shown in `config show` notes and provenance. */
  title: string;
  /** Rewrite the tree in place; call `note` for every change made. */
  apply(root: MapNode, note: (message: string) => void): void;
}

function takeAt(root: MapNode, path: readonly string[]): ConfigNode | undefined {
  let node: ConfigNode = root;
  for (const seg of path.slice(0, -1)) {
    const next: ConfigNode | undefined = node.kind === "map" ? node.entries.get(seg) : undefined;
    if (!next) return undefined;
    node = next;
  }
  if (node.kind !== "map") return undefined;
  const last = path[path.length - 1];
  const found = node.entries.get(last);
  node.entries.delete(last);
  return found;
}

function putAt(root: MapNode, path: readonly string[], value: ConfigNode): void {
  let node: MapNode = root;
  for (const seg of path.slice(0, -1)) {
    let next = node.entries.get(seg);
    if (!next || next.kind !== "map") {
      next = mapNode(value.origin);
      node.entries.set(seg, next);
    }
    node = next;
  }
  const last = path[path.length - 1];
  const existing = node.entries.get(last);
  if (existing && existing.kind === "map" && value.kind === "map") {
    for (const [k, v] of value.entries) existing.entries.set(k, v);
  } else node.entries.set(last, value);
}

/** Move a subtree (if present); returns whether it moved. */
export function moveKey(root: MapNode, from: readonly string[], to: readonly string[], step: string): boolean {
  const node = takeAt(root, from);
  if (!node) return false;
  annotate(node, `${step}: moved from ${from.join(".")}`);
  putAt(root, to, node);
  return true;
}

export const MIGRATIONS: readonly MigrationStep[] = [
  {
    from: 1,
    to: 2,
    title: "group 'hardware' renamed to 'system' (paths stay at system.paths, the rest moves to system.hardware)",
    apply(root, note) {
      const hardware = root.entries.get("hardware");
      if (!hardware || hardware.kind !== "map") return;
      const step = "migration v1→v2";
      for (const key of [...hardware.entries.keys()]) {
        const target = key === "paths" || key === "files" ? ["system", key] : ["system", "hardware", key];
        moveKey(root, ["hardware", key], target, step);
        note(`hardware.${key} → ${target.join(".")}`);
      }
      root.entries.delete("hardware");
    },
  },
  {
    from: 2,
    to: 3,
    title: "training.rollout.max renamed to maximum; training.lr {rate, warmup, min, iterations} split into lr and lr_schedule",
    apply(root, note) {
      const step = "migration v2→v3";
      if (moveKey(root, ["training", "rollout", "max"], ["training", "rollout", "maximum"], step)) note("training.rollout.max → training.rollout.maximum");
      const training = root.entries.get("training");
      const lr = training?.kind === "map" ? training.entries.get("lr") : undefined;
      if (lr?.kind === "map") {
        const moves: [string, string[]][] = [
          ["warmup", ["training", "lr_schedule", "warmup_steps"]],
          ["min", ["training", "lr_schedule", "min_lr"]],
          ["iterations", ["training", "lr_schedule", "decay_steps"]],
        ];
        for (const [key, to] of moves) {
          if (moveKey(root, ["training", "lr", key], to, step)) note(`training.lr.${key} → ${to.join(".")}`);
        }
        const rate = takeAt(root, ["training", "lr", "rate"]);
        takeAt(root, ["training", "lr"]);
        if (rate) {
          annotate(rate, `${step}: moved from training.lr.rate`);
          putAt(root, ["training", "lr"], rate);
          note("training.lr.rate → training.lr");
        }
      }
    },
  },
];

export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  /** Human-readable record of every step and change, e.g. "v1→v2: hardware.paths → system.paths". */
  notes: string[];
}

/** The `config_version` of a tree; a missing version means the current one. */
export function configVersionOf(root: MapNode): number {
  const node = root.entries.get("config_version");
  if (!node) return CURRENT_CONFIG_VERSION;
  if (node.kind !== "scalar" || typeof node.value !== "number" || !Number.isInteger(node.value) || node.value < 1) {
    throw new MigrationError(`config_version must be a positive integer, got ${JSON.stringify(node.kind === "scalar" ? node.value : "a " + node.kind)}`);
  }
  return node.value;
}

/** Upgrade `root` in place to `target` (default: current) using `steps`. */
export function migrateConfig(root: MapNode, steps: readonly MigrationStep[] = MIGRATIONS, target = CURRENT_CONFIG_VERSION): MigrationResult {
  const fromVersion = configVersionOf(root);
  if (fromVersion > target) {
    throw new MigrationError(`config_version ${fromVersion} is newer than this version of Isobar supports (${target})`);
  }
  const notes: string[] = [];
  let version = fromVersion;
  while (version < target) {
    const step = steps.find((s) => s.from === version);
    if (!step) throw new MigrationError(`No migration registered from config_version ${version}`);
    notes.push(`v${step.from}→v${step.to}: ${step.title}`);
    step.apply(root, (message) => notes.push(`  v${step.from}→v${step.to}: ${message}`));
    version = step.to;
  }
  if (version !== fromVersion) {
    root.entries.set("config_version", {
      kind: "scalar",
      value: version,
      origin: { ...BUILTIN, notes: [`migrated from config_version ${fromVersion}`] },
    });
  }
  return { fromVersion, toVersion: version, notes };
}
