import type {
  ColumnMaskDefinition,
  ColumnType,
  TableDefinition,
  WorkspaceDefinition,
} from "../contracts.js";
import {
  catalogSchemaName,
  ownerRole,
  postgresSchema,
  postgresTable,
  quoteIdentifier,
  quoteLiteral,
  splitTableName,
  storageSchema,
  storageTable,
} from "./postgres-names.js";

export const postgresColumnTypes: Readonly<Record<ColumnType, string>> = {
  STRING: "text",
  INT: "integer",
  LONG: "bigint",
  DOUBLE: "double precision",
  DECIMAL: "numeric",
  BOOLEAN: "boolean",
  DATE: "date",
  TIMESTAMP: "timestamp",
};

/**
 * Creates the storage schema, a Postgres schema per Unity Catalog schema, and an empty
 * schema per catalog (see `catalogSchemaName`), each declared or implied by a table
 * name, with the declared comments.
 */
export function compileSchemas(definition: WorkspaceDefinition): string[] {
  const comments = new Map<string, string | undefined>();
  const catalogComments = new Map<string, string | undefined>();
  for (const catalog of definition.catalogs ?? []) {
    catalogComments.set(catalog.name, catalog.comment);
    for (const schema of catalog.schemas) {
      comments.set(`${catalog.name}.${schema.name}`, schema.comment);
    }
  }
  for (const table of definition.tables) {
    const { catalog, schema } = splitTableName(table.name);
    const name = `${catalog}.${schema}`;
    comments.set(name, comments.get(name));
    catalogComments.set(catalog, catalogComments.get(catalog));
  }

  const statements = [
    `CREATE SCHEMA ${storageSchema}`,
    `GRANT USAGE ON SCHEMA ${storageSchema} TO ${ownerRole}`,
  ];
  for (const [catalog, comment] of catalogComments) {
    const name = quoteIdentifier(catalogSchemaName(catalog));
    statements.push(`CREATE SCHEMA ${name}`);
    if (comment !== undefined) {
      statements.push(`COMMENT ON SCHEMA ${name} IS ${quoteLiteral(comment)}`);
    }
  }
  for (const [name, comment] of comments) {
    statements.push(`CREATE SCHEMA ${postgresSchema(name)}`);
    if (comment !== undefined) {
      statements.push(
        `COMMENT ON SCHEMA ${postgresSchema(name)} IS ${quoteLiteral(comment)}`,
      );
    }
  }
  return statements;
}

/** Creates a table's storage table, owned by the owner role. */
export function compileStorageTable(table: TableDefinition): string[] {
  const name = storageTable(table.name);
  const columns = table.columns.map(
    (column) =>
      `${quoteIdentifier(column.name)} ${postgresColumnTypes[column.type]}`,
  );
  return [
    `CREATE TABLE ${name} (${columns.join(", ")})`,
    `ALTER TABLE ${name} OWNER TO ${ownerRole}`,
  ];
}

/**
 * Creates the view principals read under the table's three-level name, with the table
 * and column comments. A masked column reads as its mask expression, cast to the
 * column's type, so that every principal reads the same column types. The view runs with
 * the owner role's rights, so principals need no privilege on the storage table, while
 * `current_user` in the masks and the row filter is still the querying principal.
 */
export function compileView(
  table: TableDefinition,
  masks: readonly ColumnMaskDefinition[],
  translateExpression: (expression: string) => string,
): string[] {
  const view = postgresTable(table.name);
  const selected = table.columns.map((column) => {
    const name = quoteIdentifier(column.name);
    const mask = masks.find((candidate) => candidate.column === column.name);
    if (mask === undefined) {
      return name;
    }
    const type = postgresColumnTypes[column.type];
    return `CAST((${translateExpression(mask.expression)}) AS ${type}) AS ${name}`;
  });

  const statements = [
    `CREATE VIEW ${view} AS SELECT ${selected.join(", ")} FROM ${storageTable(table.name)}`,
    `ALTER VIEW ${view} OWNER TO ${ownerRole}`,
  ];
  if (table.comment !== undefined) {
    statements.push(
      `COMMENT ON VIEW ${view} IS ${quoteLiteral(table.comment)}`,
    );
  }
  for (const column of table.columns) {
    if (column.comment !== undefined) {
      statements.push(
        `COMMENT ON COLUMN ${view}.${quoteIdentifier(column.name)} IS ${quoteLiteral(column.comment)}`,
      );
    }
  }
  return statements;
}
