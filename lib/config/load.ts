/** One call from config source + overrides to a validated config with provenance. */
import { composeConfig, composeSweep, type ComposeOptions, type ComposedConfig } from "./compose";
import { resolveInterpolations, type Env } from "./interpolate";
import type { IsobarConfig } from "./schema";
import { collectProvenance, toPlain, type ConfigObject, type MapNode, type Origin } from "./tree";
import { validateConfig } from "./validate";

export interface LoadOptions extends ComposeOptions {
  /** Environment for ${oc.env:...}; pass process.env from the edge of the app. */
  env?: Env;
}

export interface LoadedConfig {
  config: IsobarConfig;
  /** The resolved tree (interpolations applied) with per-node origins. */
  tree: MapNode;
  /** Display path → origin for every leaf of the resolved config. */
  provenance: Map<string, Origin>;
  composed: ComposedConfig;
}

function finish(composed: ComposedConfig, env: Env | undefined): LoadedConfig {
  const tree = resolveInterpolations(composed.tree, { env });
  const config = validateConfig(tree);
  return { config, tree, provenance: collectProvenance(tree), composed };
}

/** Compose, interpolate and validate; throws ConfigError subclasses with user-facing messages. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  return finish(composeConfig(options), options.env);
}

/** Like loadConfig, but expands sweeps (`training.lr=1e-3,1e-4`) into one config per combination. */
export function loadConfigSweep(options: LoadOptions): LoadedConfig[] {
  return composeSweep(options).map((c) => finish(c, options.env));
}

/** The resolved config as plain data (interpolations applied), without validation. */
export function resolvedPlain(composed: ComposedConfig, env?: Env): ConfigObject {
  return toPlain(resolveInterpolations(composed.tree, { env })) as ConfigObject;
}
