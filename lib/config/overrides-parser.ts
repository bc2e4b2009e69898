/**
 * Parser for Hydra-style command-line overrides:
 *   key=value   +key=value   ++key=value   ~key   ~key=value
 * Values: YAML-typed primitives, 'quoted' / "quoted" strings, [lists], {dicts},
 * `${...}` interpolations kept as text, and top-level comma lists (sweeps).
 * A hand-written scanner + recursive-descent parser; errors carry the character position.
 */
import { ConfigError } from "./errors";
import type { ConfigValue } from "./tree";

export type OverrideType = "change" | "add" | "force-add" | "delete";

export interface Override {
  /** The override exactly as written. */
  text: string;
  type: OverrideType;
  /** The key as written (`training.lr`, `model`, `model/encoder`). */
  key: string;
  /** Key segments, split on '.' and '/'. */
  path: string[];
  /** The value; undefined only for deletions without a value. */
  value: ConfigValue | undefined;
  /** Set when the value is a sweep (`a,b,c`): every alternative, in order. */
  sweep?: ConfigValue[];
  /** The source text of each sweep alternative, used to name the expanded overrides. */
  sweepTexts?: string[];
  /** True when the value was written as a quoted string (never a group choice then). */
  quoted: boolean;
}

export class OverrideSyntaxError extends ConfigError {
  constructor(
    readonly override: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`Invalid override '${override}': ${reason}\n  ${override}\n  ${" ".repeat(position)}^`);
  }
}

const KEY_CHAR = /[\w-]/;
/** Characters that end an unquoted value (unless escaped). */
const STRUCTURAL = new Set([",", "[", "]", "{", "}", "'", '"']);
const ESCAPABLE = new Set(["\\", ",", "[", "]", "{", "}", "(", ")", ":", "=", " ", "\t", "'", '"']);

interface Parsed {
  value: ConfigValue;
  quoted: boolean;
  raw: string;
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(reason: string, at = this.pos): never {
    throw new OverrideSyntaxError(this.text, at, reason);
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  skipSpace(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  describeHere(): string {
    return this.atEnd() ? "the end of the override" : `'${this.peek()}'`;
  }

  parseOverride(): Override {
    let type: OverrideType = "change";
    if (this.text.startsWith("++")) {
      type = "force-add";
      this.pos = 2;
    } else if (this.text.startsWith("+")) {
      type = "add";
      this.pos = 1;
    } else if (this.text.startsWith("~")) {
      type = "delete";
      this.pos = 1;
    }
    const { key, path } = this.parseKey();
    if (this.atEnd()) {
      if (type === "delete") return { text: this.text, type, key, path, value: undefined, quoted: false };
      this.fail("expected '=' after the key");
    }
    if (this.peek() !== "=") this.fail(`unexpected ${this.describeHere()} in key (expected '=')`);
    this.pos++;
    const alternatives = this.parseSweep();
    if (!this.atEnd()) this.fail(`unexpected ${this.describeHere()}`);
    const first = alternatives[0];
    if (alternatives.length > 1) {
      if (type === "delete") this.fail("a deletion cannot take a sweep", this.text.indexOf("=") + 1);
      return {
        text: this.text,
        type,
        key,
        path,
        value: first.value,
        sweep: alternatives.map((a) => a.value),
        sweepTexts: alternatives.map((a) => a.raw),
        quoted: alternatives.some((a) => a.quoted),
      };
    }
    return { text: this.text, type, key, path, value: first.value, quoted: first.quoted };
  }

  parseKey(): { key: string; path: string[] } {
    const start = this.pos;
    const path: string[] = [];
    for (;;) {
      const segStart = this.pos;
      while (!this.atEnd() && KEY_CHAR.test(this.peek() as string)) this.pos++;
      if (this.pos === segStart) {
        if (this.atEnd() && segStart === start) this.fail("expected a key");
        this.fail(this.atEnd() ? "expected a key segment" : `unexpected ${this.describeHere()} in key`);
      }
      path.push(this.text.slice(segStart, this.pos));
      if (this.peek() === "." || this.peek() === "/") this.pos++;
      else break;
    }
    return { key: this.text.slice(start, this.pos), path };
  }

  /** value (',' value)* at top level; an empty value (`key=`) is the empty string. */
  parseSweep(): Parsed[] {
    this.skipSpace();
    if (this.atEnd()) return [{ value: "", quoted: false, raw: "" }];
    const out = [this.parseElement()];
    while (this.peek() === ",") {
      this.pos++;
      out.push(this.parseElement());
    }
    return out;
  }

  parseElement(): Parsed {
    this.skipSpace();
    const start = this.pos;
    const c = this.peek();
    let value: ConfigValue;
    let quoted = false;
    if (c === "[") value = this.parseList();
    else if (c === "{") value = this.parseDict();
    else if (c === "'" || c === '"') {
      value = this.parseQuoted();
      quoted = true;
    } else value = this.parsePrimitive();
    const raw = this.text.slice(start, this.pos).trim();
    this.skipSpace();
    return { value, quoted, raw };
  }

  parseList(): ConfigValue[] {
    this.pos++; // [
    const items: ConfigValue[] = [];
    this.skipSpace();
    if (this.peek() === "]") {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.parseElement().value);
      const c = this.peek();
      if (c === ",") this.pos++;
      else if (c === "]") {
        this.pos++;
        return items;
      } else this.fail(`expected ',' or ']' but found ${this.describeHere()}`);
    }
  }

  parseDict(): { [key: string]: ConfigValue } {
    this.pos++; // {
    const out: { [key: string]: ConfigValue } = {};
    this.skipSpace();
    if (this.peek() === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const keyStart = this.pos;
      let key: string;
      if (this.peek() === "'" || this.peek() === '"') key = this.parseQuoted();
      else {
        while (!this.atEnd() && KEY_CHAR.test(this.peek() as string)) this.pos++;
        key = this.text.slice(keyStart, this.pos);
        if (key === "") this.fail(`expected a dict key but found ${this.describeHere()}`);
      }
      this.skipSpace();
      if (this.peek() !== ":") this.fail(`expected ':' after dict key '${key}' but found ${this.describeHere()}`);
      this.pos++;
      if (Object.hasOwn(out, key)) this.fail(`duplicate dict key '${key}'`, keyStart);
      out[key] = this.parseElement().value;
      const c = this.peek();
      if (c === ",") this.pos++;
      else if (c === "}") {
        this.pos++;
        return out;
      } else this.fail(`expected ',' or '}' but found ${this.describeHere()}`);
    }
  }

  parseQuoted(): string {
    const quote = this.peek() as string;
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      if (this.atEnd()) this.fail(`unterminated quoted string (missing ${quote})`, start);
      const c = this.text[this.pos];
      if (c === "\\" && (this.text[this.pos + 1] === quote || this.text[this.pos + 1] === "\\")) {
        out += this.text[this.pos + 1];
        this.pos += 2;
      } else if (c === quote) {
        this.pos++;
        return out;
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  /** An unquoted value; `${...}` is kept verbatim (commas and braces inside are allowed). */
  parsePrimitive(): ConfigValue {
    const start = this.pos;
    let raw = "";
    let escaped = false;
    while (!this.atEnd()) {
      const c = this.text[this.pos];
      if (c === "\\" && ESCAPABLE.has(this.text[this.pos + 1])) {
        raw += this.text[this.pos + 1];
        this.pos += 2;
        escaped = true;
      } else if (c === "$" && this.text[this.pos + 1] === "{") {
        raw += this.scanInterpolation();
      } else if (STRUCTURAL.has(c)) {
        break;
      } else if (c === "=") {
        this.fail("unexpected '=' in value (quote the value to use '=')");
      } else {
        raw += c;
        this.pos++;
      }
    }
    const trimmed = raw.replace(/[ \t]+$/, "");
    if (trimmed === "") {
      this.fail(`expected a value but found ${this.describeHere()}`, start);
    }
    return escaped ? trimmed : typePrimitive(trimmed);
  }

  scanInterpolation(): string {
    const start = this.pos;
    let depth = 0;
    while (!this.atEnd()) {
      const c = this.text[this.pos];
      this.pos++;
      if (c === "{") depth++;
      else if (c === "}") {
        depth--;
        if (depth === 0) return this.text.slice(start, this.pos);
      }
    }
    this.fail("unterminated interpolation (missing '}')", start);
  }
}

/** Type an unquoted value like YAML 1.2 (core schema) and Hydra: null, booleans, ints, floats, else string. */
export function typePrimitive(text: string): ConfigValue {
  const lower = text.toLowerCase();
  if (lower === "null" || lower === "~") return null;
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^[-+]?\.?inf$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
  if (/^\.?nan$/.test(lower)) return NaN;
  return text;
}

/** Parse one override string. Throws OverrideSyntaxError with a caret under the bad character. */
export function parseOverride(text: string): Override {
  return new Parser(text).parseOverride();
}

export function parseOverrides(texts: readonly string[]): Override[] {
  return texts.map(parseOverride);
}

/**
 * Expand sweeps into the cartesian product of override lists (first sweep varies slowest,
 * like Hydra's basic sweeper). Without sweeps the result is a single list.
 */
export function expandSweeps(overrides: readonly Override[]): Override[][] {
  let combos: Override[][] = [[]];
  for (const o of overrides) {
    const head = o.text.slice(0, o.text.indexOf("=") + 1);
    const alternatives: Override[] = o.sweep
      ? o.sweep.map((value, i) => ({ ...o, value, text: head + (o.sweepTexts?.[i] ?? ""), sweep: undefined, sweepTexts: undefined }))
      : [o];
    const next: Override[][] = [];
    for (const combo of combos) for (const alt of alternatives) next.push([...combo, alt]);
    combos = next;
  }
  return combos;
}
