/**
 * Flatten a resolved config into MLflow-style params and back, exactly.
 *
 * Contract (see docs/config.md):
 * - Mappings are expanded into dotted keys (`training.lr`). A mapping is kept whole (as
 *   JSON) instead when it is empty, when one of its keys is not a plain segment (contains
 *   '.', or characters MLflow rejects), or when expanding would make a key longer than 250.
 * - Lists are one param holding JSON (`["2t","msl"]`); lists of records likewise.
 * - Values: strings are written as-is unless that would read back as something else
 *   (`"1e-4"`, `"null"`, `"[]"`), in which case they are JSON-quoted; numbers, booleans,
 *   null are JSON; ±Infinity and NaN are `.inf`, `-.inf`, `.nan`.
 * - A value longer than 6000 characters is cut and ends with a marker; the full value
 *   lives in the config.json artifact and `unflattenParams` takes it from there.
 */
import { ConfigError } from "./errors";
import { isPlainObject, type ConfigObject, type ConfigValue } from "./tree";

export const PARAM_KEY_MAX = 250;
export const PARAM_VALUE_MAX = 6000;
export const PARAM_BATCH_MAX = 100;

export interface Param {
  key: string;
  value: string;
}

export interface FlattenResult {
  params: Param[];
  /** Keys whose values exceeded PARAM_VALUE_MAX and carry the truncation marker. */
  truncated: string[];
}

export class FlattenError extends ConfigError {}

const SEGMENT = /^[\p{L}\p{N}_\- :/]+$/u;
const MARKER = /…\[isobar:truncated (\d+) chars; full value in config\.json\]$/;
const marker = (length: number) => `…[isobar:truncated ${length} chars; full value in config.json]`;
const NON_FINITE: Record<string, number> = { ".inf": Infinity, "-.inf": -Infinity, ".nan": NaN };

function encodeNumber(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (n === Infinity) return ".inf";
  if (n === -Infinity) return "-.inf";
  return Object.is(n, -0) ? "-0" : JSON.stringify(n);
}

/** Decode a param value that was not truncated. */
export function decodeParamValue(text: string): ConfigValue {
  if (text in NON_FINITE) return NON_FINITE[text];
  try {
    return JSON.parse(text) as ConfigValue;
  } catch {
    return text;
  }
}

function assertFiniteInside(value: ConfigValue, key: string): void {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new FlattenError(`Cannot log param '${key}': a non-finite number inside a list or mapping has no JSON form`);
  }
  if (Array.isArray(value)) value.forEach((v) => assertFiniteInside(v, key));
  else if (isPlainObject(value)) Object.values(value).forEach((v) => assertFiniteInside(v, key));
}

/** Encode one value so that decodeParamValue gives it back. */
export function encodeParamValue(value: ConfigValue, key = "value"): string {
  if (typeof value === "string") {
    const readsBack = !MARKER.test(value) && !(value in NON_FINITE) && decodeParamValue(value) === value;
    return readsBack ? value : JSON.stringify(value);
  }
  if (typeof value === "number") return encodeNumber(value);
  assertFiniteInside(value, key);
  return JSON.stringify(value);
}

function expandable(value: ConfigValue, path: string): value is ConfigObject {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0) return false;
  return keys.every((k) => SEGMENT.test(k) && (path === "" ? k : `${path}.${k}`).length <= PARAM_KEY_MAX);
}

/** Flatten a config into params (in key order of the config). */
export function flattenParams(config: ConfigObject): FlattenResult {
  if (!expandable(config, "") && Object.keys(config).length > 0) {
    const bad = Object.keys(config).find((k) => !SEGMENT.test(k) || k.length > PARAM_KEY_MAX);
    throw new FlattenError(`Cannot flatten config: top-level key ${JSON.stringify(bad)} is not a plain param segment`);
  }
  const params: Param[] = [];
  const truncated: string[] = [];
  const visit = (value: ConfigValue, path: string): void => {
    if (path !== "" && !expandable(value, path)) {
      let text = encodeParamValue(value, path);
      if (text.length > PARAM_VALUE_MAX) {
        const tail = marker(text.length);
        text = text.slice(0, PARAM_VALUE_MAX - tail.length) + tail;
        truncated.push(path);
      }
      params.push({ key: path, value: text });
      return;
    }
    for (const [k, v] of Object.entries(value as ConfigObject)) visit(v, path === "" ? k : `${path}.${k}`);
  };
  visit(config, "");
  return { params, truncated };
}

/** Split params into batches of at most `size` (MLflow log-batch limit is 100 params). */
export function paramBatches(params: readonly Param[], size = PARAM_BATCH_MAX): Param[][] {
  const out: Param[][] = [];
  for (let i = 0; i < params.length; i += size) out.push(params.slice(i, i + size));
  return out;
}

function valueAt(config: ConfigObject, segs: string[]): ConfigValue | undefined {
  let node: ConfigValue | undefined = config;
  for (const s of segs) node = isPlainObject(node) && Object.hasOwn(node, s) ? node[s] : undefined;
  return node;
}

/**
 * Rebuild the nested config from params. Truncated values are taken from `artifact`
 * (the config.json stored with the run); without it they are an error, never a silent cut.
 */
export function unflattenParams(params: readonly Param[] | Readonly<Record<string, string>>, artifact?: ConfigObject): ConfigObject {
  const list: Param[] = Array.isArray(params) ? [...params] : Object.entries(params).map(([key, value]) => ({ key, value: value as string }));
  const root: ConfigObject = {};
  const leaves = new Set<string>();
  for (const { key, value } of list) {
    const segs = key.split(".");
    let decoded: ConfigValue;
    const cut = MARKER.exec(value);
    if (cut) {
      const full = artifact ? valueAt(artifact, segs) : undefined;
      if (full === undefined) {
        throw new FlattenError(`Param '${key}' was truncated (${cut[1]} chars); its full value is only in the config.json artifact`);
      }
      decoded = full;
    } else decoded = decodeParamValue(value);
    let node = root;
    for (let i = 0; i < segs.length - 1; i++) {
      const prefix = segs.slice(0, i + 1).join(".");
      if (leaves.has(prefix)) throw new FlattenError(`Params '${prefix}' and '${key}' conflict: '${prefix}' is a value`);
      const next: ConfigValue | undefined = node[segs[i]];
      if (next === undefined) node[segs[i]] = {};
      node = node[segs[i]] as ConfigObject;
    }
    const last = segs[segs.length - 1];
    if (Object.hasOwn(node, last)) throw new FlattenError(`Param '${key}' conflicts with another param`);
    node[last] = decoded;
    leaves.add(key);
  }
  return root;
}

/** The config.json artifact text: the full nested config, never truncated. */
export function configArtifactJson(config: ConfigObject): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
