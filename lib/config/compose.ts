/**
 * Composition pipeline: defaults list → merge → migrate → value overrides.
 * `loadConfig` adds interpolation and validation on top.
 */
import { applyValueOverride, overrideOrigin } from "./apply-overrides";
import { expandDefaults, type GroupChoice } from "./defaults-list";
import { ConfigError } from "./errors";
import { migrateConfig, type MigrationStep, MIGRATIONS } from "./migrate";
import { expandSweeps, parseOverride, type Override } from "./overrides-parser";
import type { ConfigSource } from "./source";
import { mapNode, mergeInto, type MapNode } from "./tree";

export interface ComposeOptions {
  source: ConfigSource;
  /** Name of an entry config in the source root (`train`), or inline YAML text with a display name. */
  entry: string | { text: string; file: string };
  /** Override strings (`training.lr=1e-4`) or already parsed overrides; no sweeps here. */
  overrides?: readonly (string | Override)[];
  migrations?: readonly MigrationStep[];
}

export interface ComposedConfig {
  /** The merged tree before interpolation; every node knows its origin. */
  tree: MapNode;
  /** Final option per config group (null = none). */
  choices: Record<string, string | null>;
  /** Migration notes, empty when the config was already current. */
  notes: string[];
  overrides: Override[];
}

export class SweepNotAllowedError extends ConfigError {}

/** Whether an override selects a group option (`model=gnn`) rather than setting a value. */
export function isGroupOverride(source: ConfigSource, o: Override): boolean {
  if (!source.isDir(o.path.join("/"))) return false;
  if (o.type === "delete") return true;
  return !o.quoted && (o.value === null || typeof o.value === "string");
}

export function composeConfig(options: ComposeOptions): ComposedConfig {
  const { source } = options;
  const overrides = (options.overrides ?? []).map((o) => (typeof o === "string" ? parseOverride(o) : o));
  const sweep = overrides.find((o) => o.sweep);
  if (sweep) throw new SweepNotAllowedError(`'${sweep.text}' is a sweep; expand it with composeSweep (one config per combination)`);

  const groupOverrides = new Map<string, GroupChoice>();
  const groupAppends: { group: string; choice: GroupChoice }[] = [];
  const groupDeletes = new Map<string, GroupChoice>();
  const valueOverrides: Override[] = [];
  for (const o of overrides) {
    if (!isGroupOverride(source, o)) {
      valueOverrides.push(o);
      continue;
    }
    const group = o.path.join("/");
    const choice: GroupChoice = { option: (o.value as string | null | undefined) ?? null, origin: overrideOrigin(o), label: `override '${o.text}'` };
    if (o.type === "delete") groupDeletes.set(group, choice);
    else if (o.type === "add") groupAppends.push({ group, choice });
    else groupOverrides.set(group, choice); // change and force-add
  }

  const entry = options.entry;
  const { items, choices } = expandDefaults({
    source,
    primary: typeof entry === "string" ? { path: /\.ya?ml$/.test(entry) ? entry : `${entry}.yaml` } : entry,
    groupOverrides,
    groupAppends,
    groupDeletes,
  });

  // The root takes the primary config's origin, so missing top-level keys point at it.
  const primary = [...items].reverse().find((item) => item.package.length === 0);
  const tree = mapNode(primary ? primary.content.origin : { kind: "builtin" });
  for (const item of items) {
    let wrapped: MapNode = item.content;
    for (const seg of [...item.package].reverse()) wrapped = mapNode(item.content.origin, new Map([[seg, wrapped]]));
    mergeInto(tree, wrapped);
  }
  const migration = migrateConfig(tree, options.migrations ?? MIGRATIONS);
  for (const o of valueOverrides) applyValueOverride(tree, o);
  return { tree, choices, notes: migration.notes, overrides };
}

/** Expand sweeps in the overrides and compose one config per combination. */
export function composeSweep(options: ComposeOptions): ComposedConfig[] {
  const parsed = (options.overrides ?? []).map((o) => (typeof o === "string" ? parseOverride(o) : o));
  return expandSweeps(parsed).map((combo) => composeConfig({ ...options, overrides: combo }));
}
