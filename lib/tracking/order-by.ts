/**
 * Parser for `order_by` entries: `metrics.rmse ASC`, `params.lr DESC`, `attributes.start_time`,
 * `tags.x`, `start_time` (bare = attribute), quoted keys. Direction defaults to ASC.
 */
import { Cursor, ParseFailure, parseIdentifier } from "./cursor";
import { OrderByError } from "./errors";
import { describeToken } from "./lexer";
import { RUN_SEARCH_SCHEMA, type SearchSchema } from "./search-schema";

export interface OrderByClause {
  kind: "metric" | "param" | "tag" | "attribute";
  /** Verbatim key; attributes normalised (e.g. `created` → `start_time`). */
  key: string;
  ascending: boolean;
}

function parseEntry(c: Cursor, schema: SearchSchema): OrderByClause {
  const id = parseIdentifier(c, schema, "order_by");
  let ascending = true;
  if (c.isKeyword("ASC") || c.isKeyword("DESC")) {
    ascending = c.next().value.toUpperCase() === "ASC";
  }
  const t = c.peek();
  if (t.kind !== "eof") {
    c.fail(t, `expected ASC, DESC or the end of the entry after '${c.source(id.start, c.lastEnd)}', found ${describeToken(t)}`);
  }
  // parseIdentifier only yields entity kinds listed in schema.orderEntities, which exclude datasets.
  return { kind: id.kind as OrderByClause["kind"], key: id.key, ascending };
}

/**
 * Parse one order_by entry. `index` is its position in the list (used in messages).
 * @throws OrderByError — and nothing else — for malformed input.
 */
export function parseOrderByEntry(entry: string, schema: SearchSchema = RUN_SEARCH_SCHEMA, index = 0): OrderByClause {
  const input = typeof entry === "string" ? entry : "";
  try {
    return parseEntry(new Cursor(input), schema);
  } catch (e) {
    if (e instanceof ParseFailure) throw new OrderByError(input, e.index, e.detail, index);
    throw new OrderByError(input, 0, `could not parse the entry (${e instanceof Error ? e.message : String(e)})`, index);
  }
}

/**
 * Parse an order_by list. Rejects the same key given twice (as MLflow does).
 * @throws OrderByError
 */
export function parseOrderBy(entries: readonly string[] | null | undefined, schema: SearchSchema = RUN_SEARCH_SCHEMA): OrderByClause[] {
  const out: OrderByClause[] = [];
  const seen = new Set<string>();
  (entries ?? []).forEach((entry, i) => {
    const clause = parseOrderByEntry(entry, schema, i);
    const id = `${clause.kind}\u0000${clause.key}`;
    if (seen.has(id)) {
      throw new OrderByError(entry, 0, `'${entry.trim()}' sorts on a key already used earlier in order_by`, i);
    }
    seen.add(id);
    out.push(clause);
  });
  return out;
}

/**
 * The full sort the store should apply: the parsed clauses, then MLflow's defaults as tie-breakers
 * (runs: start_time DESC, run_id ASC; experiments: creation_time DESC, experiment_id ASC),
 * skipping any default key the user already sorted on. The result is a total order.
 */
export function effectiveOrderBy(clauses: readonly OrderByClause[], schema: SearchSchema = RUN_SEARCH_SCHEMA): OrderByClause[] {
  const defaults: OrderByClause[] =
    schema.target === "runs"
      ? [
          { kind: "attribute", key: "start_time", ascending: false },
          { kind: "attribute", key: "run_id", ascending: true },
        ]
      : [
          { kind: "attribute", key: "creation_time", ascending: false },
          { kind: "attribute", key: "experiment_id", ascending: true },
        ];
  const out = [...clauses];
  for (const d of defaults) {
    if (!out.some((c) => c.kind === d.kind && c.key === d.key)) out.push(d);
  }
  return out;
}
