/**
 * What can be searched: entity prefixes, attributes, and the operators each accepts.
 * Runs and experiments share the grammar but not the entity sets.
 */

export type EntityKind = "metric" | "param" | "tag" | "attribute" | "dataset";

export type NumericOp = "=" | "!=" | ">" | ">=" | "<" | "<=";
export type StringOp = "=" | "!=" | "LIKE" | "ILIKE";
export type SetOp = "IN" | "NOT IN";
export type SearchOp = NumericOp | StringOp | SetOp;

export const NUMERIC_OPS: readonly NumericOp[] = ["=", "!=", ">", ">=", "<", "<="];
export const STRING_OPS: readonly StringOp[] = ["=", "!=", "LIKE", "ILIKE"];
export const SET_OPS: readonly SetOp[] = ["IN", "NOT IN"];

/** Run attributes compared with numbers (epoch milliseconds). */
export type RunNumericAttribute = "start_time" | "end_time";
/** Run attributes compared with strings. */
export type RunStringAttribute = "run_id" | "run_name" | "status" | "user_id" | "artifact_uri" | "lifecycle_stage";
export type ExperimentNumericAttribute = "creation_time" | "last_update_time";
export type ExperimentStringAttribute = "name";
export type NumericAttribute = RunNumericAttribute | ExperimentNumericAttribute;
export type StringAttribute = RunStringAttribute | ExperimentStringAttribute;
export type DatasetField = "name" | "digest" | "context";

export interface AttributeSpec {
  type: "number" | "string";
  /** IN / NOT IN allowed (only run_id for runs). */
  setOps: boolean;
  /** Usable in order_by. */
  orderable: boolean;
}

export interface SearchSchema {
  /** "runs" or "experiments"; used in messages. */
  target: "runs" | "experiments";
  /** Entity kinds allowed as prefixes in filters. */
  filterEntities: readonly EntityKind[];
  /** Entity kinds allowed in order_by. */
  orderEntities: readonly EntityKind[];
  /** Canonical attribute name → spec. */
  attributes: Readonly<Record<string, AttributeSpec>>;
  /** Lower-cased alias → canonical attribute name. */
  attributeAliases: Readonly<Record<string, string>>;
}

const num = (orderable = true): AttributeSpec => ({ type: "number", setOps: false, orderable });
const str = (setOps = false, orderable = true): AttributeSpec => ({ type: "string", setOps, orderable });

export const RUN_SEARCH_SCHEMA: SearchSchema = {
  target: "runs",
  filterEntities: ["metric", "param", "tag", "attribute", "dataset"],
  orderEntities: ["metric", "param", "tag", "attribute"],
  attributes: {
    start_time: num(),
    end_time: num(),
    run_id: str(true),
    run_name: str(),
    status: str(),
    user_id: str(),
    artifact_uri: str(),
    lifecycle_stage: str(),
  },
  attributeAliases: { created: "start_time", "run name": "run_name" },
};

export const EXPERIMENT_SEARCH_SCHEMA: SearchSchema = {
  target: "experiments",
  filterEntities: ["tag", "attribute"],
  orderEntities: ["attribute"],
  attributes: {
    name: str(),
    creation_time: num(),
    last_update_time: num(),
  },
  attributeAliases: {},
};

/** Attributes that can only be sorted on, not filtered (kept apart so filters reject them). */
export const ORDER_ONLY_ATTRIBUTES: Readonly<Record<SearchSchema["target"], Readonly<Record<string, AttributeSpec>>>> = {
  runs: {},
  experiments: { experiment_id: str() },
};

export const DATASET_FIELDS: readonly DatasetField[] = ["name", "digest", "context"];

/** Entity prefixes (lower-cased) → entity kind. */
export const ENTITY_PREFIXES: Readonly<Record<string, EntityKind>> = {
  metrics: "metric",
  metric: "metric",
  params: "param",
  param: "param",
  parameters: "param",
  parameter: "param",
  tags: "tag",
  tag: "tag",
  attributes: "attribute",
  attribute: "attribute",
  attr: "attribute",
  run: "attribute",
  datasets: "dataset",
  dataset: "dataset",
};

/** The plural prefix used in messages and suggestions. */
export const ENTITY_PREFIX: Readonly<Record<EntityKind, string>> = {
  metric: "metrics",
  param: "params",
  tag: "tags",
  attribute: "attributes",
  dataset: "datasets",
};

/** Resolve an attribute name (case-insensitive, aliases allowed) to its canonical name. */
export function resolveAttribute(
  schema: SearchSchema,
  name: string,
  forOrderBy = false,
): { name: string; spec: AttributeSpec } | null {
  const lower = name.toLowerCase();
  // Object.hasOwn everywhere: user text must never reach prototype members such as "constructor".
  const canonical = Object.hasOwn(schema.attributeAliases, lower) ? schema.attributeAliases[lower] : lower;
  if (Object.hasOwn(schema.attributes, canonical)) return { name: canonical, spec: schema.attributes[canonical] };
  const orderOnly = ORDER_ONLY_ATTRIBUTES[schema.target];
  if (forOrderBy && Object.hasOwn(orderOnly, canonical)) return { name: canonical, spec: orderOnly[canonical] };
  return null;
}

/** Resolve a prefix such as "metrics" or "Tag" to its entity kind. */
export function resolveEntityPrefix(prefix: string): EntityKind | null {
  const lower = prefix.toLowerCase();
  return Object.hasOwn(ENTITY_PREFIXES, lower) ? ENTITY_PREFIXES[lower] : null;
}

/** Human list of attribute names for messages. */
export function attributeList(schema: SearchSchema, forOrderBy = false): string {
  const names = Object.keys(schema.attributes);
  if (forOrderBy) names.push(...Object.keys(ORDER_ONLY_ATTRIBUTES[schema.target]));
  return names.join(", ");
}

/** "a, b or c" */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
