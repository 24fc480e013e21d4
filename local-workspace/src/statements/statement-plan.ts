/**
 * Decides how the local workspace runs a statement. The warehouse runs queries only, so
 * DESCRIBE TABLE is handled here from the table definition (after a query as the caller
 * proves that the caller may read the table), and SHOW fails with a clear error.
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
import { isIdentifierToken, tokenizeSql } from "../warehouse/sql-lexer.js";

/** Default catalog and schema of a statement, from the request's `catalog` and `schema`. */
export interface StatementNamespace {
  catalog?: string;
  schema?: string;
}

export type StatementPlan =
  | { kind: "query" }
  | { kind: "describe-table"; table: TableDefinition };

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
 * cannot run: SHOW statements, DESCRIBE of anything but a table, and unknown tables,
 * catalogs or schemas.
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
    throw new WarehouseError(
      "UNSUPPORTED_FEATURE",
      "The local workspace does not run SHOW statements. Use DESCRIBE TABLE catalog.schema.table to list a table's columns.",
      "0A000",
    );
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
 * Runs a statement as `principalName`: a query on the warehouse, or DESCRIBE TABLE built
 * from the definition once a query as the caller proves read access to the table.
 * Throws WarehouseError for every failure of the statement.
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

function findTable(
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

/** Fails for a `catalog` or `schema` that no table of the workspace lives in. */
function checkNamespace(
  definition: WorkspaceDefinition,
  namespace: StatementNamespace,
): void {
  const names = definition.tables.map((table) => table.name.toLowerCase());
  const catalog = namespace.catalog?.toLowerCase();
  if (
    catalog !== undefined &&
    !names.some((name) => name.startsWith(`${catalog}.`))
  ) {
    throw new WarehouseError(
      "NO_SUCH_CATALOG_EXCEPTION",
      `Catalog '${namespace.catalog}' was not found. Send a catalog that holds tables of this workspace.`,
      "42704",
    );
  }
  if (namespace.schema === undefined) {
    return;
  }
  const schema = namespace.schema.toLowerCase();
  const found = names.some((name) => {
    const [tableCatalog, tableSchema] = name.split(".");
    return (
      tableSchema === schema &&
      (catalog === undefined || tableCatalog === catalog)
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
