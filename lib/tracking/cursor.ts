/**
 * Token cursor and the `<entity>.<key>` identifier production shared by the filter and order_by parsers.
 */
import { describeToken, tokenize, type Token } from "./lexer";
import {
  DATASET_FIELDS,
  ENTITY_PREFIX,
  attributeList,
  orList,
  resolveAttribute,
  resolveEntityPrefix,
  type AttributeSpec,
  type EntityKind,
  type SearchSchema,
} from "./search-schema";

/** Raised inside the parsers; converted to SearchFilterError / OrderByError at the API boundary. */
export class ParseFailure {
  constructor(
    readonly index: number,
    readonly detail: string,
  ) {}
}

export class Cursor {
  readonly tokens: Token[];
  private pos = 0;
  /** End index of the last consumed token. */
  lastEnd = 0;

  constructor(readonly input: string) {
    this.tokens = tokenize(input);
  }

  peek(offset = 0): Token {
    const i = Math.min(this.pos + offset, this.tokens.length - 1);
    return this.tokens[i];
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos += 1;
    this.lastEnd = t.end;
    return t;
  }

  /** Is the current token the keyword `word` (case-insensitive)? */
  isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === "word" && t.value.toUpperCase() === word;
  }

  /** Throw at token `t`; an invalid token's own problem takes precedence since it explains more. */
  fail(t: Token, detail: string): never {
    if (t.kind === "invalid" && t.problem !== undefined) throw new ParseFailure(t.start, t.problem);
    throw new ParseFailure(t.start, detail);
  }

  /** `expected X, found Y` at the current token. */
  expected(what: string, after?: string): never {
    const t = this.peek();
    const context = after === undefined ? "" : ` after '${after}'`;
    this.fail(t, `expected ${what}${context}, found ${describeToken(t)}`);
  }

  source(start: number, end: number): string {
    return this.input.slice(start, end);
  }
}

export interface ParsedIdentifier {
  kind: EntityKind;
  /** Canonical key: attribute and dataset names normalised, other keys verbatim. */
  key: string;
  /** For attributes: its spec. */
  attribute?: AttributeSpec;
  /** Source span of the whole identifier, for messages. */
  start: number;
  end: number;
  /** Source text, e.g. `metrics."val mse"`. */
  text: string;
}

const isQuotedKey = (t: Token): boolean => t.kind === "dquoted" || t.kind === "backtick";

/** The run of non-space, non-operator characters from `start`: used to suggest quoting a key. */
function rawKeyRun(input: string, start: number): string {
  const m = /[^\s=!<>'"`()]+/y;
  m.lastIndex = start;
  return m.exec(input)?.[0] ?? "";
}

/**
 * Parse the key after `<prefix>.`: a quoted key, or dot-joined words (`training.lr`), all adjacent.
 */
function parseKey(c: Cursor, kind: EntityKind, prefixToken: Token, dot: Token): { key: string; end: number } {
  const prefix = c.source(prefixToken.start, dot.end);
  const first = c.peek();
  if (first.start !== dot.end || first.kind === "eof") {
    c.fail(first, `expected a key right after '${prefix}', found ${first.start !== dot.end && first.kind !== "eof" ? "a space" : describeToken(first)}`);
  }
  if (isQuotedKey(first)) {
    c.next();
    if (first.value === "") c.fail(first, `empty key after '${prefix}'`);
    const after = c.peek();
    if (after.start === first.end && after.kind === "dot") {
      c.fail(after, `unexpected '.' after the quoted key ${first.text}; put the whole key inside one pair of quotes`);
    }
    return { key: first.value, end: first.end };
  }
  if (first.kind === "string") {
    c.fail(first, `keys are quoted with double quotes or backticks, not single quotes: ${ENTITY_PREFIX[kind]}.\`${first.value}\``);
  }
  if (first.kind !== "word") {
    c.fail(first, `expected a key right after '${prefix}', found ${describeToken(first)}`);
  }
  let key = "";
  let end = first.start;
  for (;;) {
    const w = c.next();
    key += w.value;
    end = w.end;
    const d = c.peek();
    if (d.kind === "dot" && d.start === end) {
      c.next();
      key += ".";
      end = d.end;
      const w2 = c.peek();
      if (w2.kind !== "word" || w2.start !== end) {
        c.fail(w2, `expected a key segment after '${c.source(prefixToken.start, end)}', found ${w2.start !== end && w2.kind !== "eof" ? "a space" : describeToken(w2)}`);
      }
      continue;
    }
    break;
  }
  const after = c.peek();
  const glued = after.start === end && after.kind !== "eof" && after.kind !== "op" && after.kind !== "rparen" && after.kind !== "comma";
  if (glued) {
    const raw = rawKeyRun(c.input, first.start);
    const what = after.kind === "invalid" && after.problem?.startsWith("unexpected character") ? `character '${after.text}'` : describeToken(after);
    throw new ParseFailure(
      after.start,
      `unexpected ${what} in key '${key}'; quote keys containing special characters, e.g. ${ENTITY_PREFIX[kind]}.\`${raw}\``,
    );
  }
  return { key, end };
}

/** Parse `<entity>.<key>`, a bare attribute, or a quoted bare attribute (`"run name"`). */
export function parseIdentifier(c: Cursor, schema: SearchSchema, mode: "filter" | "order_by"): ParsedIdentifier {
  const allowed = mode === "filter" ? schema.filterEntities : schema.orderEntities;
  const t = c.peek();
  const forOrder = mode === "order_by";
  const example = mode === "filter" ? (schema.target === "runs" ? "metrics.rmse < 1" : "name = 'x'") : schema.target === "runs" ? "metrics.rmse DESC" : "name ASC";
  if (t.kind === "eof") c.fail(t, `expected a ${mode === "filter" ? "condition" : "key"} such as ${example}, found end of input`);
  if (t.kind === "lparen" && mode === "filter") c.fail(t, "parentheses are not supported; conditions can only be joined with AND");

  let kind: EntityKind = "attribute";
  let rawKey: string;
  let keyStart: number;
  let end: number;
  const d = c.peek(1);
  if (t.kind === "word" && d.kind === "dot" && d.start === t.end) {
    const entity = resolveEntityPrefix(t.value);
    const prefixes = allowed.map((k) => `${ENTITY_PREFIX[k]}.`);
    if (entity === null) {
      c.fail(t, `unknown entity '${t.value}'; expected ${orList(prefixes)}`);
    }
    if (!allowed.includes(entity)) {
      c.fail(t, `${schema.target} cannot be ${forOrder ? "sorted" : "filtered"} by ${ENTITY_PREFIX[entity]}; expected ${orList(prefixes)}`);
    }
    kind = entity;
    c.next();
    c.next();
    const k = parseKey(c, kind, t, d);
    rawKey = k.key;
    keyStart = d.end;
    end = k.end;
  } else if (t.kind === "word" || isQuotedKey(t)) {
    c.next();
    rawKey = t.value;
    keyStart = t.start;
    end = t.end;
    const after = c.peek();
    if (t.kind === "word" && after.start === t.end && (after.kind === "invalid" || after.kind === "word" || after.kind === "number")) {
      const what = after.kind === "invalid" && after.problem?.startsWith("unexpected character") ? `character '${after.text}'` : describeToken(after);
      throw new ParseFailure(after.start, `unexpected ${what} after '${t.value}'; quote keys containing special characters`);
    }
  } else {
    c.fail(t, `expected a key such as ${example.split(" ")[0]}, found ${describeToken(t)}`);
  }

  const text = c.source(t.start, end);
  if (kind === "attribute") {
    const attr = resolveAttribute(schema, rawKey, forOrder);
    if (attr === null) {
      const hint =
        t.kind === "word" && d.kind !== "dot" && schema.target === "runs"
          ? ` (for a metric, param or tag write metrics.${rawKey}, params.${rawKey} or tags.${rawKey})`
          : "";
      throw new ParseFailure(keyStart, `unknown attribute '${rawKey}'; valid attributes are ${attributeList(schema, forOrder)}${hint}`);
    }
    return { kind, key: attr.name, attribute: attr.spec, start: t.start, end, text };
  }
  if (kind === "dataset") {
    const field = rawKey.toLowerCase();
    if (!(DATASET_FIELDS as readonly string[]).includes(field)) {
      throw new ParseFailure(keyStart, `unknown dataset field '${rawKey}'; valid fields are ${DATASET_FIELDS.join(", ")}`);
    }
    return { kind, key: field, start: t.start, end, text };
  }
  return { kind, key: rawKey, start: t.start, end, text };
}
