/**
 * Syntax errors for the MLflow search grammar (filters and order_by).
 *
 * Every message points at the offending token with a 1-based column and a caret line:
 *
 *   Invalid filter at column 14: expected a comparison operator after 'metrics.rmse', found 'foo'
 *     metrics.rmse foo 1
 *                  ^
 */

const MAX_SHOWN = 100;
const CONTEXT = 40;

/** Replace control characters by spaces so the caret lines up, and cut long inputs to a window. */
function caretExcerpt(input: string, index: number): { line: string; caret: string } {
  const flat = input.replace(/[\t\n\r\v\f]/g, " ");
  const at = Math.max(0, Math.min(index, flat.length));
  if (flat.length <= MAX_SHOWN) {
    return { line: flat, caret: " ".repeat(at) + "^" };
  }
  const start = Math.max(0, at - CONTEXT);
  const end = Math.min(flat.length, at + CONTEXT);
  const prefix = start > 0 ? "…" : "";
  const suffix = end < flat.length ? "…" : "";
  return { line: prefix + flat.slice(start, end) + suffix, caret: " ".repeat(prefix.length + at - start) + "^" };
}

/** Base class of filter and order_by syntax errors; the REST layer maps it to 400 INVALID_PARAMETER_VALUE. */
export class SearchSyntaxError extends Error {
  /** 1-based column of the offending token. */
  readonly column: number;
  /** The message without the position prefix and the caret lines. */
  readonly detail: string;
  /** The text that was parsed. */
  readonly input: string;

  constructor(what: string, input: string, index: number, detail: string) {
    const { line, caret } = caretExcerpt(input, index);
    super(`Invalid ${what} at column ${index + 1}: ${detail}\n  ${line}\n  ${caret}`);
    this.name = "SearchSyntaxError";
    this.column = index + 1;
    this.detail = detail;
    this.input = input;
  }
}

/** A run or experiment search filter could not be parsed. */
export class SearchFilterError extends SearchSyntaxError {
  constructor(input: string, index: number, detail: string) {
    super("filter", input, index, detail);
    this.name = "SearchFilterError";
  }
}

/** An order_by entry could not be parsed. `entry` is its index in the order_by list. */
export class OrderByError extends SearchSyntaxError {
  readonly entry: number;
  constructor(input: string, index: number, detail: string, entry: number) {
    super(`order_by[${entry}]`, input, index, detail);
    this.name = "OrderByError";
    this.entry = entry;
  }
}
