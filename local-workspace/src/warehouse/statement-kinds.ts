import { WarehouseError } from "../contracts.js";
import { tokenizeSql } from "./sql-lexer.js";

/** Statement kinds a read-only warehouse accepts, by their first keyword. */
const queryKeywords = new Set(["select", "with", "values", "table", "explain"]);

/** The kind of a statement by its first keyword, which decides whether it may run. */
export type StatementStart =
  | { kind: "query" }
  | { kind: "empty" }
  | { kind: "other"; keyword: string };

/**
 * Classifies `sql` by its first keyword. Only queries may run: besides keeping the
 * warehouse read-only, this stops statements such as `SET ROLE` and `RESET ROLE`, which
 * could switch back to the superuser inside the transaction `SET LOCAL ROLE` started.
 */
export function classifyStatement(sql: string): StatementStart {
  const first = tokenizeSql(sql).find(
    (token) =>
      token.kind !== "whitespace" &&
      token.kind !== "comment" &&
      token.text !== "(",
  );
  if (first === undefined || first.text === ";") {
    return { kind: "empty" };
  }
  const keyword = first.value.toLowerCase();
  if (first.kind === "word" && queryKeywords.has(keyword)) {
    return { kind: "query" };
  }
  return { kind: "other", keyword: first.text };
}

/**
 * Keywords that start statements which write data, change objects or settings, or
 * control transactions. Other unknown first words are reported as syntax errors.
 */
const writeKeywords = new Set([
  "insert",
  "update",
  "delete",
  "merge",
  "upsert",
  "copy",
  "create",
  "drop",
  "alter",
  "truncate",
  "grant",
  "revoke",
  "comment",
  "set",
  "reset",
  "begin",
  "start",
  "commit",
  "rollback",
  "savepoint",
  "release",
  "prepare",
  "execute",
  "deallocate",
  "do",
  "call",
  "lock",
  "listen",
  "notify",
  "unlisten",
  "discard",
  "vacuum",
  "analyze",
  "refresh",
  "reindex",
  "cluster",
  "load",
  "import",
  "optimize",
  "use",
  "declare",
  "fetch",
  "move",
  "close",
  "checkpoint",
  "security",
  "reassign",
  "replace",
]);

/**
 * Throws `WarehouseError` unless `sql` is a query: INSUFFICIENT_PERMISSIONS for a
 * statement that would write or change settings, PARSE_SYNTAX_ERROR for anything else.
 */
export function rejectNonQuery(sql: string): void {
  const start = classifyStatement(sql);
  if (start.kind === "query") {
    return;
  }
  if (start.kind === "empty") {
    throw new WarehouseError(
      "PARSE_SYNTAX_ERROR",
      "The statement is empty. Send one SELECT statement.",
      "42601",
    );
  }
  if (writeKeywords.has(start.keyword.toLowerCase())) {
    throw new WarehouseError(
      "INSUFFICIENT_PERMISSIONS",
      `The warehouse is read-only and runs queries only (SELECT, WITH, VALUES, TABLE, EXPLAIN), so a ${start.keyword.toUpperCase()} statement cannot run.`,
      "42501",
    );
  }
  throw new WarehouseError(
    "PARSE_SYNTAX_ERROR",
    `Syntax error at or near '${start.keyword}': a statement must start with SELECT, WITH, VALUES, TABLE or EXPLAIN.`,
    "42601",
  );
}
