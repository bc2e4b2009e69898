/**
 * Hydra-style defaults lists: expand a primary config into the ordered list of
 * (package, content) items to merge, honouring group choices, `override`, `optional`,
 * `_self_`, nested groups and command-line group overrides.
 */
import { ConfigError } from "./errors";
import type { ConfigSource } from "./source";
import { didYouMean, suggestionSuffix } from "./suggest";
import { formatOrigin, type ConfigNode, type MapNode, type Origin } from "./tree";
import { parseYamlConfig } from "./yaml-source";

export class DefaultsListError extends ConfigError {}

export type DefaultsEntry =
  | { kind: "self"; origin: Origin }
  | { kind: "config"; name: string; origin: Origin }
  | { kind: "group"; group: string; option: string | null; optional: boolean; override: boolean; origin: Origin };

/** A group choice coming from the command line (or an `override` entry). */
export interface GroupChoice {
  option: string | null;
  origin: Origin;
  /** Where it came from, for messages: the override text or the file:line. */
  label: string;
}

export interface DefaultsRequest {
  source: ConfigSource;
  /** Path of the primary config in the source (`train.yaml`), or inline text. */
  primary: { path: string } | { text: string; file: string };
  /** Command-line `group=option` (change), `+group=option` (append), `~group` (delete). */
  groupOverrides?: Map<string, GroupChoice>;
  groupAppends?: { group: string; choice: GroupChoice }[];
  groupDeletes?: Map<string, GroupChoice>;
}

export interface MergeItem {
  /** Where the content goes: [] for the root, ["model"], ["model", "encoder"] ... */
  package: string[];
  content: MapNode;
  file: string;
}

export interface DefaultsResult {
  items: MergeItem[];
  /** Final choice for every group in the defaults tree (null = deselected). */
  choices: Record<string, string | null>;
}

const MANDATORY = "???";

/** Parse the `defaults:` node of a config file (removed from the content by the caller). */
export function parseDefaultsList(node: ConfigNode, file: string): DefaultsEntry[] {
  if (node.kind !== "list") throw new DefaultsListError(`${formatOrigin(node.origin)}: 'defaults' must be a list`);
  return node.items.map((item) => {
    const where = formatOrigin(item.origin);
    if (item.kind === "scalar" && typeof item.value === "string") {
      if (item.value === "_self_") return { kind: "self", origin: item.origin };
      return { kind: "config", name: item.value, origin: item.origin };
    }
    if (item.kind === "map" && item.entries.size === 1) {
      const [[rawKey, valueNode]] = [...item.entries];
      const words = rawKey.trim().split(/\s+/);
      const group = words.pop() as string;
      const flags = new Set(words);
      for (const flag of flags) {
        if (flag !== "override" && flag !== "optional") throw new DefaultsListError(`${where}: unknown defaults keyword '${flag}' in '${rawKey}'`);
      }
      if (group.includes("@")) throw new DefaultsListError(`${where}: package overrides ('${group}') are not supported`);
      if (valueNode.kind !== "scalar" || (valueNode.value !== null && typeof valueNode.value !== "string")) {
        throw new DefaultsListError(`${where}: the option for group '${group}' must be a config name or null`);
      }
      return {
        kind: "group",
        group,
        option: valueNode.value as string | null,
        optional: flags.has("optional"),
        override: flags.has("override"),
        origin: valueNode.origin,
      };
    }
    throw new DefaultsListError(`${where}: a defaults entry must be '_self_', a config name or 'group: option' (in ${file})`);
  });
}

/** Join a group reference relative to the directory of the config that names it. */
function resolveGroup(baseDir: string, group: string): string {
  if (group.startsWith("/")) return group.slice(1);
  return baseDir === "" ? group : `${baseDir}/${group}`;
}

/** Names of the options (YAML files) of a group directory. */
export function groupOptions(source: ConfigSource, group: string): string[] {
  return source
    .list(group)
    .files.filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ""));
}

function readConfigFile(source: ConfigSource, pathNoExt: string): { text: string; file: string } | undefined {
  for (const ext of [".yaml", ".yml"]) {
    const text = source.readFile(pathNoExt + ext);
    if (text !== undefined) return { text, file: source.display(pathNoExt + ext) };
  }
  return undefined;
}

interface OverrideSlot extends GroupChoice {
  used: boolean;
  fromCli: boolean;
}

/** Expand the defaults tree of the primary config into merge items. */
export function expandDefaults(req: DefaultsRequest): DefaultsResult {
  const { source } = req;
  const overrides = new Map<string, OverrideSlot>();
  for (const [group, choice] of req.groupOverrides ?? []) overrides.set(group, { ...choice, used: false, fromCli: true });
  const deletes = new Map<string, { choice: GroupChoice; used: boolean }>();
  for (const [group, choice] of req.groupDeletes ?? []) deletes.set(group, { choice, used: false });
  const choices: Record<string, string | null> = {};
  const groupSeenAt = new Map<string, string>();
  const items: MergeItem[] = [];
  const stack: string[] = [];

  const expand = (text: string, file: string, pkg: string[], baseDir: string, appended: DefaultsEntry[]): void => {
    if (stack.includes(file)) throw new DefaultsListError(`Defaults cycle: ${[...stack, file].join(" → ")}`);
    stack.push(file);
    const content = parseYamlConfig(text, file);
    const defaultsNode = content.entries.get("defaults");
    content.entries.delete("defaults");
    const entries = defaultsNode ? parseDefaultsList(defaultsNode, file) : [];
    entries.push(...appended);

    // `override` entries of this config apply to the whole tree below it, unless a
    // higher-priority choice (command line, or an enclosing config) already exists.
    for (const e of entries) {
      if (e.kind !== "group" || !e.override) continue;
      const group = resolveGroup(baseDir, e.group);
      if (!overrides.has(group)) overrides.set(group, { option: e.option, origin: e.origin, label: formatOrigin(e.origin), used: false, fromCli: false });
    }

    let selfPlaced = false;
    const placeSelf = () => {
      selfPlaced = true;
      items.push({ package: pkg, content, file });
    };
    for (const e of entries) {
      if (e.kind === "self") placeSelf();
      else if (e.kind === "config") {
        const rel = resolveGroup(baseDir, e.name);
        const found = readConfigFile(source, rel);
        if (!found) {
          throw new DefaultsListError(`${formatOrigin(e.origin)}: config '${e.name}' not found (looked for ${source.display(rel + ".yaml")})`);
        }
        // A plain config entry lands in the package named by its directory (Hydra's _group_).
        const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
        expand(found.text, found.file, dir.split("/").filter(Boolean), dir, []);
      } else if (!e.override) {
        const group = resolveGroup(baseDir, e.group);
        if (groupSeenAt.has(group)) {
          throw new DefaultsListError(`${formatOrigin(e.origin)}: group '${group}' is already in the defaults list (${groupSeenAt.get(group)})`);
        }
        groupSeenAt.set(group, formatOrigin(e.origin));
        let option = e.option;
        let label = formatOrigin(e.origin);
        const del = deletes.get(group);
        const ov = overrides.get(group);
        if (del) {
          del.used = true;
          option = null;
        } else if (ov) {
          ov.used = true;
          option = ov.option;
          label = ov.label;
        }
        choices[group] = option;
        if (option === null) continue;
        if (option === MANDATORY) {
          throw new DefaultsListError(
            `You must choose an option for config group '${group}' (e.g. ${group}=${groupOptions(source, group)[0] ?? "<option>"}); options: ${groupOptions(source, group).join(", ") || "none"}`,
          );
        }
        const found = readConfigFile(source, `${group}/${option}`);
        if (!found) {
          if (e.optional) continue;
          throw unknownOption(source, group, option, label);
        }
        expand(found.text, found.file, group.split("/"), group, []);
      }
    }
    if (!selfPlaced) placeSelf();
    stack.pop();
  };

  const appended: DefaultsEntry[] = [];
  for (const { group, choice } of req.groupAppends ?? []) {
    if (!source.isDir(group)) throw new DefaultsListError(`Could not append '${group}' (${choice.label}): there is no config group '${group}'${suggestionSuffix(group, source.list("").dirs)}`);
    overrides.set(group, { ...choice, used: false, fromCli: true });
    appended.push({ kind: "group", group: `/${group}`, option: choice.option, optional: false, override: false, origin: choice.origin });
  }

  let primaryText: string;
  let primaryFile: string;
  if ("path" in req.primary) {
    const text = source.readFile(req.primary.path);
    if (text === undefined) {
      const entries = source.list("").files.filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ""));
      const name = req.primary.path.replace(/\.ya?ml$/, "");
      throw new DefaultsListError(`Config '${name}' not found in ${source.display("")}.${hint(name, entries)} Available: ${entries.join(", ") || "none"}`);
    }
    primaryText = text;
    primaryFile = source.display(req.primary.path);
  } else {
    primaryText = req.primary.text;
    primaryFile = req.primary.file;
  }
  expand(primaryText, primaryFile, [], "", appended);

  for (const [group, slot] of overrides) {
    if (slot.used) continue;
    if (group in choices) continue; // appended groups are consumed through their entry
    throw new DefaultsListError(
      slot.fromCli
        ? `Could not override '${group}' (${slot.label}): the group is not in the defaults list. To append it use +${group}=${slot.option}`
        : `${slot.label}: could not override '${group}': the group is not in the defaults list`,
    );
  }
  for (const [group, del] of deletes) {
    if (!del.used) throw new DefaultsListError(`Could not delete '${group}' (${del.choice.label}): the group is not in the defaults list`);
  }
  return { items, choices };
}

function unknownOption(source: ConfigSource, group: string, option: string, label: string): DefaultsListError {
  const options = groupOptions(source, group);
  if (!source.isDir(group)) {
    return new DefaultsListError(`Unknown config group '${group}' (${label})${suggestionSuffix(group, source.list("").dirs)}`);
  }
  return new DefaultsListError(
    `Unknown option '${option}' for config group '${group}' (${label}).${hint(option, options)} Available options: ${options.join(", ") || "none"}`,
  );
}

function hint(word: string, candidates: string[]): string {
  const s = didYouMean(word, candidates);
  return s === undefined ? "" : ` Did you mean '${s}'?`;
}
