/**
 * Decides how the local workspace runs a statement. The warehouse runs queries only, so
 * DESCRIBE TABLE and SHOW take their results from the workspace definition here, after
 * Postgres has confirmed, as the caller's role, that the caller may see what they list.
 */
import {
  type ColumnType,
  type QueryParameter,
  type QueryResult,
  type TableDefinition,
  type Warehouse,
  WarehouseError,
  type WorkspaceDefinition,
} from "../contracts.js";
import { securableLevels } from "../definition/table-checks.js";
import { isIdentifierToken, tokenizeSql } from "../warehouse/sql-lexer.js";
import {
  parseShowStatement,
  runShowStatement,
  type ShowStatement,
} from "./show-statements.js";
import { findTable, type StatementNamespace } from "./statement-names.js";

export type { StatementNamespace } from "./statement-names.js";

export type StatementPlan =
  | { kind: "query" }
  | { kind: "describe-table"; table: TableDefinition }
  | { kind: "show"; show: ShowStatement };

/** Names of column types as DESCRIBE TABLE writes them in `data_type`. */
const describedTypes: Readonly<Record<ColumnType, string>> = {
  STRING: "string",
  INT: "int",
  LONG: "bigint",
  DOUBLE: "double",
  DECIMAL: "decimal(38,18)",
  BOOLEAN: "boolean",
  DATE: "date",
  TIMESTAMP: "timestamp",
};

/**
 * Returns how to run `sql`, or throws WarehouseError for statements the local workspace
 * cannot run: SHOW of anything but catalogs, schemas, tables or columns, DESCRIBE of
 * anything but a table, and unknown tables, catalogs or schemas.
 */
export function planStatement(
  sql: string,
  definition: WorkspaceDefinition,
  namespace: StatementNamespace,
): StatementPlan {
  checkNamespace(definition, namespace);

  const tokens = tokenizeSql(sql).filter(
    (token) =>
      token.kind !== "whitespace" &&
      token.kind !== "comment" &&
      token.text !== ";",
  );
  const keyword = tokens[0]?.text.toUpperCase();
  if (keyword === "SHOW") {
    return {
      kind: "show",
      show: parseShowStatement(tokens, definition, namespace),
    };
  }
  if (keyword !== "DESCRIBE" && keyword !== "DESC") {
    return { kind: "query" };
  }

  let index = 1;
  if (tokens[index]?.text.toUpperCase() === "TABLE") {
    index += 1;
  }
  if (
    ["EXTENDED", "FORMATTED"].includes(tokens[index]?.text.toUpperCase() ?? "")
  ) {
    index += 1;
  }
  const parts: string[] = [];
  for (; index < tokens.length; index += 2) {
    const part = tokens[index];
    if (!isIdentifierToken(part) || part === undefined) {
      break;
    }
    parts.push(part.value);
    if (tokens[index + 1]?.text !== ".") {
      index += 1;
      break;
    }
  }
  if (parts.length === 0 || parts.length > 3 || index < tokens.length) {
    throw new WarehouseError(
      "UNSUPPORTED_FEATURE",
      "The local workspace runs DESCRIBE [TABLE] [EXTENDED] catalog.schema.table only, without columns or partitions.",
      "0A000",
    );
  }
  return {
    kind: "describe-table",
    table: findTable(definition, parts, namespace),
  };
}

/**
 * Runs a statement as `principalName`: a query on the warehouse, DESCRIBE TABLE built
 * from the definition once a query as the caller proves read access to the table, or
 * SHOW. Throws WarehouseError for every failure of the statement.
 */
export async function runStatementAs(
  warehouse: Warehouse,
  definition: WorkspaceDefinition,
  principalName: string,
  request: StatementNamespace & {
    statement: string;
    parameters: QueryParameter[];
  },
): Promise<QueryResult> {
  const plan = planStatement(request.statement, definition, request);
  if (plan.kind === "show") {
    return runShowStatement(warehouse, definition, principalName, plan.show);
  }
  if (plan.kind === "query") {
    // NOTE: the warehouse resolves three-level names only, so `catalog` and `schema`
    // are checked to exist but do not qualify shorter names inside a query.
    return warehouse.query(
      principalName,
      request.statement,
      request.parameters,
    );
  }

  await warehouse.query(
    principalName,
    `SELECT * FROM ${plan.table.name} LIMIT 0`,
  );
  return {
    columns: ["col_name", "data_type", "comment"].map((name) => ({
      name,
      typeName: "STRING" as const,
      typeText: "STRING",
    })),
    rows: describeTableRows(plan.table),
  };
}

/** Rows of DESCRIBE TABLE: `col_name`, `data_type` and `comment` of each column. */
export function describeTableRows(table: TableDefinition): (string | null)[][] {
  return table.columns.map((column) => [
    column.name,
    describedTypes[column.type],
    column.comment ?? null,
  ]);
}

/** Fails for a `catalog` or `schema` that the definition neither declares nor implies. */
function checkNamespace(
  definition: WorkspaceDefinition,
  namespace: StatementNamespace,
): void {
  const levels = securableLevels(definition);
  const catalog = namespace.catalog?.toLowerCase();
  if (catalog !== undefined && levels.get(catalog) !== "catalog") {
    throw new WarehouseError(
      "NO_SUCH_CATALOG_EXCEPTION",
      `Catalog '${namespace.catalog}' was not found. Send a catalog of this workspace.`,
      "42704",
    );
  }
  if (namespace.schema === undefined) {
    return;
  }
  const schema = namespace.schema.toLowerCase();
  const found = [...levels].some(([name, level]) => {
    const [schemaCatalog, schemaName] = name.split(".");
    return (
      level === "schema" &&
      schemaName === schema &&
      (catalog === undefined || schemaCatalog === catalog)
    );
  });
  if (!found) {
    throw new WarehouseError(
      "SCHEMA_NOT_FOUND",
      `The schema '${[namespace.catalog, namespace.schema].filter(Boolean).join(".")}' cannot be found.`,
      "42704",
    );
  }
}
