/**
 * Validate a resolved tree against the zod schema and turn every zod issue into a
 * user-facing error with dotted path, offending value, origin (file:line / override)
 * and a "did you mean" for misspelt keys and option values. All issues are reported at once.
 */
import type { z } from "zod";
import { ConfigError } from "./errors";
import { configSchema, type IsobarConfig } from "./schema";
import { didYouMean } from "./suggest";
import { describeValue, formatOrigin, formatPath, getNode, toPlain, type ConfigNode, type MapNode, type Origin, type PathSeg } from "./tree";

export interface ConfigIssue {
  /** Display path, e.g. `training.lr` or `data.variables.prognostic[2]`. */
  path: string;
  message: string;
  /** The offending value (undefined for a missing key). */
  value?: unknown;
  origin?: Origin;
  suggestion?: string;
}

export class ConfigValidationError extends ConfigError {
  constructor(readonly issues: ConfigIssue[]) {
    super(`Invalid config (${issues.length} error${issues.length === 1 ? "" : "s"}):\n${issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const hint = issue.suggestion ? ` (did you mean '${issue.suggestion}'?)` : "";
  const value = issue.value === undefined ? "" : `, got ${describeValue(issue.value)}`;
  const origin = issue.origin ? ` [${formatOrigin(issue.origin)}]` : "";
  return `${issue.path || "(root)"}: ${issue.message}${value}${hint}${origin}`;
}

/** The zod definition of a schema; zod keeps it on `_zod.def` (typed loosely on purpose). */
interface LooseDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  element?: z.ZodType;
  items?: z.ZodType[];
}
function defOf(schema: z.ZodType): LooseDef {
  return (schema as unknown as { _zod: { def: LooseDef } })._zod.def;
}

/** All schemas that may describe the value at `path` (unions fan out). */
function schemasAt(schema: z.ZodType, path: readonly PathSeg[]): z.ZodType[] {
  let current = [schema];
  for (const seg of [...path, null]) {
    const next: z.ZodType[] = [];
    const visit = (s: z.ZodType): void => {
      const def = defOf(s);
      if (def.innerType) return visit(def.innerType);
      if (def.type === "pipe" && def.in) return visit(def.in);
      if (def.type === "union" && def.options) return def.options.forEach(visit);
      if (seg === null) return void next.push(s);
      if (def.type === "object" && def.shape && typeof seg === "string" && def.shape[seg]) next.push(def.shape[seg]);
      else if (def.type === "record" && def.valueType) next.push(def.valueType);
      else if (def.type === "array" && def.element) next.push(def.element);
      else if (def.type === "tuple" && def.items && typeof seg === "number" && def.items[seg]) next.push(def.items[seg]);
    };
    current.forEach(visit);
    current = next;
  }
  return current;
}

/** Keys an object schema at `path` accepts (union of all branches). */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSeg[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const def = defOf(s);
    if (def.type === "object" && def.shape) Object.keys(def.shape).forEach((k) => keys.add(k));
  }
  return [...keys];
}

function nearestOrigin(root: ConfigNode, path: readonly PathSeg[]): Origin | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = getNode(root, path.slice(0, n));
    if (node) return node.origin;
  }
  return undefined;
}

const EXPECTED: Record<string, string> = { int: "an integer", number: "a number", string: "a string", boolean: "a boolean", object: "a mapping", array: "a list", null: "null" };

export type ValidationResult<T> = { ok: true; config: T } | { ok: false; issues: ConfigIssue[] };

/** Validate without throwing. */
export function checkConfig<S extends z.ZodType>(tree: MapNode, schema: S): ValidationResult<z.infer<S>> {
  const plain = toPlain(tree);
  const result = schema.safeParse(plain);
  if (result.success) return { ok: true, config: result.data };
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is PathSeg => typeof p === "string" || typeof p === "number");
    const node = getNode(tree, path);
    const value = node ? toPlain(node) : undefined;
    const origin = node?.origin ?? nearestOrigin(tree, path);
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const keyPath = [...path, key];
          const keyNode = getNode(tree, keyPath);
          const candidates = knownKeysAt(schema, path);
          issues.push({ path: formatPath(keyPath), message: "unknown key", origin: keyNode?.origin ?? origin, suggestion: didYouMean(key, candidates) });
        }
        break;
      case "invalid_type":
        if (value === undefined) {
          issues.push({ path: formatPath(path), message: "required key is missing", origin });
        } else {
          const expected = EXPECTED[issue.expected] ?? issue.expected;
          issues.push({ path: formatPath(path), message: `expected ${expected}`, value, origin });
        }
        break;
      case "invalid_value": {
        const options = issue.values.map((v) => JSON.stringify(v));
        if (value === undefined) {
          issues.push({ path: formatPath(path), message: `required key is missing (${options.length === 1 ? options[0] : `one of ${options.join(", ")}`})`, origin });
          break;
        }
        issues.push({
          path: formatPath(path),
          message: options.length === 1 ? `expected ${options[0]}` : `expected one of ${options.join(", ")}`,
          value,
          origin,
          suggestion: typeof value === "string" ? didYouMean(value, issue.values.map(String)) : undefined,
        });
        break;
      }
      case "invalid_union":
        if (issue.discriminator) {
          // zod reports the issue either at the union or already at its discriminator key
          const discPath = path[path.length - 1] === issue.discriminator ? path : [...path, issue.discriminator];
          const discNode = getNode(tree, discPath);
          const discValue = discNode ? toPlain(discNode) : undefined;
          const options = ("options" in issue ? (issue.options ?? []) : []).map(String);
          issues.push({
            path: formatPath(discPath),
            message: discValue === undefined ? `required key is missing (one of ${options.join(", ")})` : `expected one of ${options.map((o) => JSON.stringify(o)).join(", ")}`,
            value: discValue,
            origin: discNode?.origin ?? origin,
            suggestion: typeof discValue === "string" ? didYouMean(discValue, options) : undefined,
          });
        } else {
          issues.push({ path: formatPath(path), message: "does not match any allowed form", value, origin });
        }
        break;
      case "too_small":
      case "too_big": {
        const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
        const op = issue.code === "too_small" ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
        const what = issue.origin === "array" ? "list length" : issue.origin === "string" ? "length" : "value";
        issues.push({ path: formatPath(path), message: `${what} must be ${op} ${String(bound)}`, value, origin });
        break;
      }
      default:
        issues.push({ path: formatPath(path), message: issue.message, value, origin });
    }
  }
  return { ok: false, issues };
}

/** Validate the resolved tree against the Isobar config schema; throws with all issues. */
export function validateConfig(tree: MapNode): IsobarConfig {
  const result = checkConfig(tree, configSchema);
  if (!result.ok) throw new ConfigValidationError(result.issues);
  return result.config;
}
