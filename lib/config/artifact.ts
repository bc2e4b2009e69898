/**
 * Read stored `config.json` artifacts — Isobar's own or anemoi-training's — into a config
 * tree in Isobar's layout, so runs from either can be diffed leaf by leaf. Every leaf's
 * origin names the artifact and the key it was read from.
 */
import { ConfigError } from "./errors";
import { migrateConfig, moveKey } from "./migrate";
import { annotate, fromPlain, isPlainObject, type ConfigNode, type ConfigObject, type ConfigValue, type MapNode, type Origin } from "./tree";

export class ArtifactError extends ConfigError {}

export type ArtifactFlavour = "isobar" | "anemoi";

export interface ArtifactConfig {
  flavour: ArtifactFlavour;
  tree: MapNode;
  notes: string[];
}

/** Build a tree whose every node's origin is `file (original.dotted.key)`. */
function treeWithKeys(value: ConfigValue, file: string, key: string): ConfigNode {
  const origin: Origin = { kind: "artifact", file, key: key || undefined };
  if (Array.isArray(value)) return { kind: "list", items: value.map((v, i) => treeWithKeys(v, file, `${key}.${i}`)), origin };
  if (isPlainObject(value)) {
    const entries = new Map<string, ConfigNode>();
    for (const [k, v] of Object.entries(value)) entries.set(k, treeWithKeys(v, file, key ? `${key}.${k}` : k));
    return { kind: "map", entries, origin };
  }
  return fromPlain(value, origin);
}

const ANEMOI_GROUPS = ["data", "dataloader", "diagnostics", "hardware", "system", "graph", "model", "training", "task", "datamodule"];

/** anemoi wraps the config as {"config": {...}} in some versions; Isobar stores it bare. */
function unwrap(json: ConfigObject): ConfigObject {
  if (isPlainObject(json.config) && !("config_version" in json)) return json.config;
  return json;
}

export function detectFlavour(json: ConfigObject): ArtifactFlavour {
  const body = unwrap(json);
  if ("config_version" in body) return "isobar";
  if (Object.keys(body).some((k) => ANEMOI_GROUPS.includes(k))) return "anemoi";
  throw new ArtifactError("Not a recognised config artifact: no config_version and none of anemoi's groups");
}

/** Parse a config.json artifact text (either flavour). */
export function readConfigArtifact(text: string, file = "config.json"): ArtifactConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ArtifactError(`${file}: invalid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(json)) throw new ArtifactError(`${file}: a config artifact must be a JSON object`);
  return detectFlavour(json) === "isobar" ? readIsobarArtifact(json, file) : readAnemoiConfig(json, file);
}

export function readIsobarArtifact(json: ConfigObject, file = "config.json"): ArtifactConfig {
  const tree = treeWithKeys(unwrap(json), file, "") as MapNode;
  const { notes } = migrateConfig(tree);
  return { flavour: "isobar", tree, notes };
}

/** anemoi processor class → Isobar processor type. */
function processorType(target: string): string | undefined {
  if (/GNN/i.test(target)) return "gnn";
  if (/Transformer/i.test(target)) return "transformer";
  return undefined;
}

/**
 * Map anemoi-training's layout onto Isobar's: `task.*` (≥0.12) into training/data,
 * data.forcing/diagnostic into data.variables, `gradient_clip.val` → `value`, processor
 * `_target_` → `type`; then anemoi's legacy layout is treated as config_version 1 and
 * migrated (hardware → system, rollout.max → maximum, lr {rate, warmup, min} split).
 * Keys without an Isobar equivalent stay where they are.
 */
export function readAnemoiConfig(json: ConfigObject, file = "config.json"): ArtifactConfig {
  const tree = treeWithKeys(unwrap(json), file, "") as MapNode;
  const notes: string[] = ["read from an anemoi-training config"];
  const step = "anemoi→isobar";
  const moves: [string[], string[]][] = [
    [["task", "multistep_input"], ["training", "multistep_input"]],
    [["task", "multistep_output"], ["training", "multistep_output"]],
    [["task", "rollout"], ["training", "rollout"]],
    [["task", "timestep"], ["data", "timestep"]],
    [["data", "forcing"], ["data", "variables", "forcing"]],
    [["data", "diagnostic"], ["data", "variables", "diagnostic"]],
    [["training", "gradient_clip", "val"], ["training", "gradient_clip", "value"]],
  ];
  for (const [from, to] of moves) {
    if (moveKey(tree, from, to, step)) notes.push(`${from.join(".")} → ${to.join(".")}`);
  }
  const task = tree.entries.get("task");
  if (task?.kind === "map" && task.entries.size === 0) tree.entries.delete("task");
  const model = tree.entries.get("model");
  const processor = model?.kind === "map" ? model.entries.get("processor") : undefined;
  const target = processor?.kind === "map" ? processor.entries.get("_target_") : undefined;
  if (processor?.kind === "map" && target?.kind === "scalar" && typeof target.value === "string") {
    const type = processorType(target.value);
    if (type && !processor.entries.has("type")) {
      const node: ConfigNode = { kind: "scalar", value: type, origin: target.origin };
      annotate(node, `${step}: from model.processor._target_`);
      processor.entries.set("type", node);
      notes.push(`model.processor._target_ → model.processor.type = ${type}`);
    }
  }
  // anemoi configs carry no version; their layout is Isobar's v1.
  tree.entries.set("config_version", { kind: "scalar", value: 1, origin: { kind: "artifact", file, notes: ["anemoi layout = config_version 1"] } });
  const migration = migrateConfig(tree);
  notes.push(...migration.notes);
  return { flavour: "anemoi", tree, notes };
}
