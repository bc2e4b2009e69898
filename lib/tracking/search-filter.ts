/**
 * Parser for MLflow's search filter grammar (runs and experiments).
 *
 *   filter     := ε | condition (AND condition)*
 *   condition  := identifier operator value
 *   identifier := entity "." key | attribute | quoted-attribute
 *   key        := word ("." word)* | "quoted" | `quoted`
 *   value      := number | 'string' | "string" | "(" string ("," string)* ")"
 *
 * The result is a typed AST; nothing here builds SQL. Any input either parses or throws
 * SearchFilterError with a column and caret line; no other exception escapes.
 */
import { Cursor, ParseFailure, parseIdentifier, type ParsedIdentifier } from "./cursor";
import { SearchFilterError } from "./errors";
import { describeToken, type Token } from "./lexer";
import {
  NUMERIC_OPS,
  RUN_SEARCH_SCHEMA,
  EXPERIMENT_SEARCH_SCHEMA,
  SET_OPS,
  STRING_OPS,
  orList,
  type DatasetField,
  type NumericAttribute,
  type NumericOp,
  type SearchOp,
  type SearchSchema,
  type SetOp,
  type StringAttribute,
  type StringOp,
} from "./search-schema";

export interface MetricClause {
  kind: "metric";
  key: string;
  op: NumericOp;
  value: number;
}
export interface ParamClause {
  kind: "param";
  key: string;
  op: StringOp;
  value: string;
}
export interface TagClause {
  kind: "tag";
  key: string;
  op: StringOp;
  value: string;
}
export interface NumericAttributeClause {
  kind: "attribute";
  key: NumericAttribute;
  op: NumericOp;
  value: number;
}
export interface StringAttributeClause {
  kind: "attribute";
  key: StringAttribute;
  op: StringOp;
  value: string;
}
/** IN / NOT IN: only run_id. */
export interface SetAttributeClause {
  kind: "attribute";
  key: "run_id";
  op: SetOp;
  value: string[];
}
export interface DatasetStringClause {
  kind: "dataset";
  key: DatasetField;
  op: StringOp;
  value: string;
}
export interface DatasetSetClause {
  kind: "dataset";
  key: DatasetField;
  op: SetOp;
  value: string[];
}
export type AttributeClause = NumericAttributeClause | StringAttributeClause | SetAttributeClause;
export type DatasetClause = DatasetStringClause | DatasetSetClause;
export type SearchClause = MetricClause | ParamClause | TagClause | AttributeClause | DatasetClause;

type ValueType = "number" | "string";

/** Read an operator; returns it normalised to upper case (`NOT IN`). */
function parseOperator(c: Cursor, id: ParsedIdentifier): SearchOp {
  const t = c.peek();
  if (t.kind === "op") {
    if (t.value === "==") c.fail(t, "'==' is not an operator; use '='");
    if (t.value === "<>") c.fail(t, "'<>' is not an operator; use '!='");
    c.next();
    return t.value as NumericOp;
  }
  if (t.kind === "word") {
    const upper = t.value.toUpperCase();
    if (upper === "LIKE" || upper === "ILIKE" || upper === "IN") {
      c.next();
      return upper;
    }
    if (upper === "NOT") {
      c.next();
      if (!c.isKeyword("IN")) c.expected("IN", "NOT");
      c.next();
      return "NOT IN";
    }
  }
  c.fail(t, `expected a comparison operator after '${id.text}', found ${describeToken(t)}`);
}

function allowedOps(id: ParsedIdentifier): { ops: readonly SearchOp[]; type: ValueType; what: string } {
  switch (id.kind) {
    case "metric":
      return { ops: NUMERIC_OPS, type: "number", what: "metrics" };
    case "param":
      return { ops: STRING_OPS, type: "string", what: "params" };
    case "tag":
      return { ops: STRING_OPS, type: "string", what: "tags" };
    case "dataset":
      return { ops: [...STRING_OPS, ...SET_OPS], type: "string", what: "datasets" };
    case "attribute": {
      const spec = id.attribute ?? { type: "string", setOps: false };
      if (spec.type === "number") return { ops: NUMERIC_OPS, type: "number", what: `the numeric attribute ${id.key}` };
      return { ops: spec.setOps ? [...STRING_OPS, ...SET_OPS] : STRING_OPS, type: "string", what: `the attribute ${id.key}` };
    }
  }
}

function checkOperator(c: Cursor, id: ParsedIdentifier, op: SearchOp, opToken: Token): void {
  const { ops, what } = allowedOps(id);
  if (ops.includes(op)) return;
  const set = op === "IN" || op === "NOT IN";
  const why = set ? "IN and NOT IN only work with run_id and datasets" : `'${op}' cannot be used with ${what}`;
  c.fail(opToken, `${why}; use ${orList(ops.map((o) => (o.includes(" ") || /^[A-Z]/.test(o) ? o : `'${o}'`)))} with '${id.text}'`);
}

function parseNumber(c: Cursor, after: string): number {
  const t = c.peek();
  if (t.kind === "number") {
    c.next();
    return Number(t.value);
  }
  if (t.kind === "string" || t.kind === "dquoted") {
    if (/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(t.value)) {
      c.fail(t, `expected a number after '${after}', found the string ${t.text}; write numbers without quotes`);
    }
  }
  c.fail(t, `expected a number after '${after}', found ${describeToken(t)}`);
}

function parseString(c: Cursor, after: string, id: ParsedIdentifier): string {
  const t = c.peek();
  if (t.kind === "string" || t.kind === "dquoted") {
    c.next();
    return t.value;
  }
  if (t.kind === "backtick") {
    c.fail(t, `backticks quote keys, not values; write the value after '${after}' in single or double quotes`);
  }
  if (t.kind === "number" || t.kind === "word") {
    c.fail(t, `expected a quoted string after '${after}', found ${describeToken(t)}; quote string values, e.g. ${id.text} = '${t.value}'`);
  }
  c.fail(t, `expected a quoted string after '${after}', found ${describeToken(t)}`);
}

function parseList(c: Cursor, after: string): string[] {
  const open = c.peek();
  if (open.kind !== "lparen") {
    c.fail(open, `expected a parenthesised list such as ('a', 'b') after '${after}', found ${describeToken(open)}`);
  }
  c.next();
  const values: string[] = [];
  for (;;) {
    const t = c.peek();
    if (t.kind !== "string" && t.kind !== "dquoted") {
      const what = values.length === 0 && t.kind === "rparen" ? "the list is empty; " : "";
      c.fail(t, `${what}expected a quoted string in the list after '${c.source(open.start, t.start).trimEnd()}', found ${describeToken(t)}`);
    }
    c.next();
    values.push(t.value);
    const sep = c.peek();
    if (sep.kind === "comma") {
      c.next();
      continue;
    }
    if (sep.kind === "rparen") {
      c.next();
      return values;
    }
    c.fail(sep, `expected ',' or ')' in the list after ${describeToken(t)}, found ${describeToken(sep)}`);
  }
}

function parseCondition(c: Cursor, schema: SearchSchema): SearchClause {
  const id = parseIdentifier(c, schema, "filter");
  const opToken = c.peek();
  const op = parseOperator(c, id);
  checkOperator(c, id, op, opToken);
  const after = c.source(id.start, opToken.end);
  const { type } = allowedOps(id);
  if (op === "IN" || op === "NOT IN") {
    const value = parseList(c, after);
    return { kind: id.kind, key: id.key, op, value } as SearchClause;
  }
  const value = type === "number" ? parseNumber(c, after) : parseString(c, after, id);
  // The identifier resolution and checkOperator above guarantee the key/op/value combination
  // matches one member of the union; TypeScript cannot follow that through the tables.
  return { kind: id.kind, key: id.key, op, value } as SearchClause;
}

function parseClauses(c: Cursor, schema: SearchSchema): SearchClause[] {
  const clauses: SearchClause[] = [];
  if (c.peek().kind === "eof") return clauses;
  for (;;) {
    const start = c.peek().start;
    clauses.push(parseCondition(c, schema));
    const t = c.peek();
    if (t.kind === "eof") return clauses;
    if (c.isKeyword("AND")) {
      c.next();
      if (c.peek().kind === "eof") c.expected("a condition", "AND");
      continue;
    }
    if (c.isKeyword("OR")) c.fail(t, "OR is not supported; conditions can only be joined with AND");
    c.fail(t, `expected AND or the end of the filter after '${c.source(start, c.lastEnd)}', found ${describeToken(t)}`);
  }
}

/**
 * Parse a search filter. An empty or blank filter gives `[]`.
 * @throws SearchFilterError — and nothing else — for any malformed input.
 */
export function parseSearchFilter(filter: string | null | undefined, schema: SearchSchema = RUN_SEARCH_SCHEMA): SearchClause[] {
  const input = filter ?? "";
  try {
    return parseClauses(new Cursor(input), schema);
  } catch (e) {
    if (e instanceof ParseFailure) throw new SearchFilterError(input, e.index, e.detail);
    // Defensive: a bug in the parser must still surface as a filter error (a 400), never a 500.
    throw new SearchFilterError(input, 0, `could not parse the filter (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Parse a `runs/search` filter. */
export function parseRunFilter(filter: string | null | undefined): SearchClause[] {
  return parseSearchFilter(filter, RUN_SEARCH_SCHEMA);
}

/** Experiment filter clauses: attributes name / creation_time / last_update_time and tags. */
export type ExperimentClause =
  | TagClause
  | { kind: "attribute"; key: "name"; op: StringOp; value: string }
  | { kind: "attribute"; key: "creation_time" | "last_update_time"; op: NumericOp; value: number };

/** Parse an `experiments/search` filter. */
export function parseExperimentFilter(filter: string | null | undefined): ExperimentClause[] {
  // The experiment schema only admits tags and these three attributes.
  return parseSearchFilter(filter, EXPERIMENT_SEARCH_SCHEMA) as ExperimentClause[];
}
