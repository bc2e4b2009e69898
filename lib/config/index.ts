/** Public API of the configuration system (pure: file access goes through a ConfigSource). */
export { ConfigError } from "./errors";
export { memorySource, type ConfigSource } from "./source";
export { parseYamlConfig, YamlSyntaxError } from "./yaml-source";
export { parseOverride, parseOverrides, expandSweeps, typePrimitive, OverrideSyntaxError, type Override } from "./overrides-parser";
export { expandDefaults, groupOptions, DefaultsListError } from "./defaults-list";
export { OverrideError } from "./apply-overrides";
export { composeConfig, composeSweep, isGroupOverride, type ComposeOptions, type ComposedConfig } from "./compose";
export { resolveInterpolations, InterpolationError, type Env } from "./interpolate";
export { configSchema, type IsobarConfig } from "./schema";
export { validateConfig, checkConfig, ConfigValidationError, formatIssue, type ConfigIssue } from "./validate";
export { loadConfig, loadConfigSweep, resolvedPlain, type LoadOptions, type LoadedConfig } from "./load";
export { CURRENT_CONFIG_VERSION, MIGRATIONS, migrateConfig, MigrationError, type MigrationStep } from "./migrate";
export {
  flattenParams,
  unflattenParams,
  paramBatches,
  configArtifactJson,
  encodeParamValue,
  decodeParamValue,
  FlattenError,
  PARAM_KEY_MAX,
  PARAM_VALUE_MAX,
  PARAM_BATCH_MAX,
  type Param,
} from "./flatten";
export { readConfigArtifact, readAnemoiConfig, readIsobarArtifact, ArtifactError } from "./artifact";
export { diffConfigs, type ConfigDiff, type DiffNode, type DiffLeaf, type DiffSide } from "./diff";
export { renderDiff, diffToJson } from "./diff-render";
export { formatProvenance, formatYaml, provenanceRows } from "./show";
export { collectProvenance, formatOrigin, formatPath, toPlain, fromPlain, type ConfigNode, type ConfigValue, type ConfigObject, type Origin } from "./tree";
