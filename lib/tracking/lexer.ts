/**
 * Tokenizer for the MLflow search grammar (filters and order_by entries).
 *
 * The lexer never throws: characters it cannot read and unterminated strings become
 * `invalid` tokens, and the parser reports them when (and only if) it reaches them,
 * so errors come out in source order.
 */

export type TokenKind =
  | "word" // identifier-like: letters, digits, underscore (AND, LIKE, metrics, rmse, ...)
  | "number" // 1, -2.5, .5, 1e-3
  | "string" // 'single quoted'
  | "dquoted" // "double quoted"
  | "backtick" // `backtick quoted`
  | "dot"
  | "op" // = != > >= < <= (and == <> so the parser can explain them)
  | "lparen"
  | "rparen"
  | "comma"
  | "invalid"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** Source text of the token, quotes included. */
  text: string;
  /** Decoded value: the content of quoted tokens, otherwise the text. */
  value: string;
  /** 0-based start index in the input (inclusive). */
  start: number;
  /** 0-based end index in the input (exclusive). */
  end: number;
  /** For `invalid` tokens: why the text could not be read. */
  problem?: string;
}

const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEY_WORD = /[A-Za-z0-9_]+/y;
const WORD_TAIL = /[A-Za-z0-9_.]+/y;
const WHITESPACE = /\s/;
const OPERATORS = ["!=", ">=", "<=", "==", "<>", "=", ">", "<"];

function matchAt(re: RegExp, input: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(input);
  return m ? m[0] : null;
}

/** Read a quoted token starting at `pos`. Backslash escapes the quote or a backslash; a doubled quote is a literal quote. */
function readQuoted(input: string, pos: number): Token {
  const quote = input[pos];
  const kind: TokenKind = quote === "'" ? "string" : quote === '"' ? "dquoted" : "backtick";
  let value = "";
  let i = pos + 1;
  while (i < input.length) {
    const c = input[i];
    if (c === "\\" && i + 1 < input.length && (input[i + 1] === quote || input[i + 1] === "\\")) {
      value += input[i + 1];
      i += 2;
      continue;
    }
    if (c === quote) {
      if (input[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { kind, text: input.slice(pos, i + 1), value, start: pos, end: i + 1 };
    }
    value += c;
    i += 1;
  }
  return {
    kind: "invalid",
    text: input.slice(pos),
    value: input.slice(pos),
    start: pos,
    end: input.length,
    problem: `unterminated ${quote} quote: the ${kind === "string" ? "string" : "key"} starting here is never closed`,
  };
}

/** Split `input` into tokens; the last token is always `eof`. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const push = (kind: TokenKind, start: number, end: number, problem?: string): void => {
    const text = input.slice(start, end);
    tokens.push(problem === undefined ? { kind, text, value: text, start, end } : { kind, text, value: text, start, end, problem });
  };
  while (pos < input.length) {
    const c = input[pos];
    if (WHITESPACE.test(c)) {
      pos += 1;
      continue;
    }
    const prev = tokens.length > 0 ? tokens[tokens.length - 1] : undefined;
    const afterDot = prev?.kind === "dot" && prev.end === pos;
    if (c === "'" || c === '"' || c === "`") {
      const t = readQuoted(input, pos);
      tokens.push(t);
      pos = t.end;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      push(c === "(" ? "lparen" : c === ")" ? "rparen" : "comma", pos, pos + 1);
      pos += 1;
      continue;
    }
    const op = OPERATORS.find((o) => input.startsWith(o, pos));
    if (op !== undefined) {
      push("op", pos, pos + op.length);
      pos += op.length;
      continue;
    }
    if (afterDot) {
      // Key segments right after a dot may start with a digit: params.2d, metrics.a.1
      const w = matchAt(KEY_WORD, input, pos);
      if (w !== null) {
        push("word", pos, pos + w.length);
        pos += w.length;
        continue;
      }
    }
    // A '.' starts a number only where a value is expected (after an operator, '(' or ',').
    const valuePosition = prev === undefined || prev.kind === "op" || prev.kind === "lparen" || prev.kind === "comma";
    if (/[0-9+-]/.test(c) || (c === "." && valuePosition)) {
      const n = matchAt(NUMBER, input, pos);
      if (n !== null) {
        const tail = matchAt(WORD_TAIL, input, pos + n.length);
        if (tail !== null) {
          // "1abc" or "1.2.3": one malformed word, reported as a whole by the parser
          push("word", pos, pos + n.length + tail.length);
          pos += n.length + tail.length;
        } else {
          push("number", pos, pos + n.length);
          pos += n.length;
        }
        continue;
      }
    }
    if (c === ".") {
      push("dot", pos, pos + 1);
      pos += 1;
      continue;
    }
    const w = matchAt(WORD, input, pos);
    if (w !== null) {
      push("word", pos, pos + w.length);
      pos += w.length;
      continue;
    }
    // Take one code point (not one UTF-16 unit) so the message never shows half a surrogate pair.
    const cp = String.fromCodePoint(input.codePointAt(pos) ?? 0xfffd);
    push("invalid", pos, pos + cp.length, `unexpected character '${cp}'`);
    pos += cp.length;
  }
  tokens.push({ kind: "eof", text: "", value: "", start: input.length, end: input.length });
  return tokens;
}

/** How a token is named in error messages. */
export function describeToken(t: Token): string {
  if (t.kind === "eof") return "end of input";
  const shown = t.text.length > 40 ? `${t.text.slice(0, 40)}…` : t.text;
  return `'${shown}'`;
}
