/**
 * "Launch training" from the dashboard: which config groups and options exist, a preview of the
 * resolved config for a set of group choices and overrides (or the errors that stop it), and the
 * jobs to submit (one per sweep combination, as `isobar train` does).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, composeConfig, expandSweeps, formatYaml, loadConfig, parseOverrides, groupOptions, type ConfigSource } from "../../lib/config";
import { fsSource } from "../../lib/config/fs-source";

const SHIPPED_CONFIG_DIR = fileURLToPath(new URL("../../config/", import.meta.url));

export function trainingConfigDir(): string {
  return path.resolve(process.env.ISOBAR_CONFIG_DIR ?? SHIPPED_CONFIG_DIR);
}

function source(configDir: string): ConfigSource {
  return fsSource(configDir, path.basename(configDir));
}

export type LaunchGroup = { group: string; options: string[]; selected: string | null };

/** The entry's config groups with their options and the entry's default choice. */
export function launchGroups(configDir: string, entry: string): LaunchGroup[] {
  const src = source(configDir);
  const composed = composeConfig({ source: src, entry, overrides: [] });
  return Object.entries(composed.choices)
    .map(([group, selected]) => ({ group, options: groupOptions(src, group), selected }))
    .filter((g) => g.options.length > 0)
    .sort((a, b) => a.group.localeCompare(b.group));
}

export type LaunchPreview =
  | { ok: true; yaml: string; runs: { overrides: string[] }[]; choices: Record<string, string | null> }
  | { ok: false; error: string };

/**
 * Compose and validate every combination the overrides describe (sweeps included). The first
 * combination's resolved config is shown; an error in any combination is reported as the user
 * would see it from `isobar config show`.
 */
export function previewLaunch(configDir: string, entry: string, overrides: string[]): LaunchPreview {
  const src = source(configDir);
  try {
    const combos = expandSweeps(parseOverrides(overrides)).map((c) => c.map((o) => o.text));
    let first: ReturnType<typeof loadConfig> | null = null;
    for (const combo of combos) {
      const loaded = loadConfig({ source: src, entry, overrides: combo, env: process.env });
      first ??= loaded;
    }
    if (!first) return { ok: false, error: "nothing to launch" };
    return { ok: true, yaml: formatYaml(first.tree), runs: combos.map((c) => ({ overrides: c })), choices: first.composed.choices };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, error: err.message };
    throw err;
  }
}
