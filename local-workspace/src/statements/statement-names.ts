/**
 * Names inside statements: dotted names, and tables resolved with the request's
 * defaults.
 */
import {
  type TableDefinition,
  WarehouseError,
  type WorkspaceDefinition,
} from "../contracts.js";
import { isIdentifierToken, type SqlToken } from "../warehouse/sql-lexer.js";

/**
 * Default catalog and schema of a statement, from the request's `catalog` and `schema`.
 */
export interface StatementNamespace {
  catalog?: string;
  schema?: string;
}

/**
 * Reads a dotted name such as `samples.aviation` that starts at `start` in `tokens`
 * (without whitespace or comments). Returns its parts and the index after it; `parts`
 * is empty when no name starts there.
 */
export function readDottedName(
  tokens: readonly SqlToken[],
  start: number,
): { parts: string[]; next: number } {
  const parts: string[] = [];
  let index = start;
  while (isIdentifierToken(tokens[index])) {
    parts.push(tokens[index]?.value ?? "");
    if (
      tokens[index + 1]?.text !== "." ||
      !isIdentifierToken(tokens[index + 2])
    ) {
      return { parts, next: index + 1 };
    }
    index += 2;
  }
  return { parts, next: index };
}

/**
 * Finds the table a one-, two- or three-part name names. Throws WarehouseError
 * TABLE_OR_VIEW_NOT_FOUND for an unknown table.
 */
export function findTable(
  definition: WorkspaceDefinition,
  parts: string[],
  namespace: StatementNamespace,
): TableDefinition {
  // A one- or two-part name takes its missing leading parts from the request.
  const prefix = [namespace.catalog, namespace.schema].slice(
    0,
    3 - parts.length,
  );
  const name = [...prefix, ...parts].join(".").toLowerCase();
  const table = prefix.includes(undefined)
    ? undefined
    : definition.tables.find(
        (candidate) => candidate.name.toLowerCase() === name,
      );
  if (table === undefined) {
    throw new WarehouseError(
      "TABLE_OR_VIEW_NOT_FOUND",
      `The table or view \`${parts.join(".")}\` cannot be found. Use a three-level name catalog.schema.table.`,
      "42P01",
    );
  }
  return table;
}
