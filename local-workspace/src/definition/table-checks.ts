import type { TableDefinition, WorkspaceDefinition } from "../contracts.js";
import { findParameterMarkers } from "../warehouse/sql-lexer.js";
import { classifyStatement } from "../warehouse/statement-kinds.js";
import {
  type Report,
  referencedTables,
  reportDuplicates,
} from "./check-support.js";

/** Level of a Unity Catalog securable. */
export type SecurableLevel = "catalog" | "schema" | "table";

/**
 * Returns every securable with its level: the declared catalogs and schemas, and the
 * catalogs, schemas and tables that the tables' names imply.
 */
export function securableLevels(
  definition: WorkspaceDefinition,
): Map<string, SecurableLevel> {
  const levels = new Map<string, SecurableLevel>();
  for (const catalog of definition.catalogs ?? []) {
    levels.set(catalog.name, "catalog");
    for (const schema of catalog.schemas) {
      levels.set(`${catalog.name}.${schema.name}`, "schema");
    }
  }
  for (const table of definition.tables) {
    const [catalog, schema] = table.name.split(".");
    levels.set(`${catalog}`, "catalog");
    levels.set(`${catalog}.${schema}`, "schema");
    levels.set(table.name, "table");
  }
  return levels;
}

/** Checks declared catalogs and schemas, and that every table lives in a declared schema. */
export function checkCatalogs(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const catalogs = definition.catalogs;
  if (catalogs === undefined) {
    return;
  }

  reportDuplicates(
    catalogs.map((catalog) => catalog.name),
    (index) => `catalogs[${index}].name`,
    "catalog name",
    report,
  );
  catalogs.forEach((catalog, catalogIndex) => {
    reportDuplicates(
      catalog.schemas.map((schema) => schema.name),
      (index) => `catalogs[${catalogIndex}].schemas[${index}].name`,
      "schema name",
      report,
    );
  });

  const declared = new Set(
    catalogs.flatMap((catalog) =>
      catalog.schemas.map((schema) => `${catalog.name}.${schema.name}`),
    ),
  );
  definition.tables.forEach((table, index) => {
    const [catalog = "", schema = ""] = table.name.split(".");
    if (declared.has(`${catalog}.${schema}`)) {
      return;
    }
    const catalogIndex = catalogs.findIndex(
      (candidate) => candidate.name === catalog,
    );
    const fix =
      catalogIndex === -1
        ? `add catalog "${catalog}" with schema "${schema}" under catalogs`
        : `add schema "${schema}" to catalogs[${catalogIndex}].schemas`;
    report(
      `tables[${index}].name`,
      `schema "${catalog}.${schema}" is not declared; ${fix}, or correct the table name`,
    );
  });
}

/** Checks table and column names, inline rows and query sources. */
export function checkTables(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  reportDuplicates(
    definition.tables.map((table) => table.name),
    (index) => `tables[${index}].name`,
    "table name",
    report,
  );

  definition.tables.forEach((table, tableIndex) => {
    const path = `tables[${tableIndex}]`;
    reportDuplicates(
      table.columns.map((column) => column.name),
      (index) => `${path}.columns[${index}].name`,
      "column name",
      report,
    );

    if ("rows" in table.source) {
      checkInlineRows(table, table.source.rows, path, report);
    } else if ("sql" in table.source) {
      const earlierTables = definition.tables
        .slice(0, tableIndex)
        .map((earlier) => earlier.name);
      checkQuerySource(table.source.sql, earlierTables, path, report);
    }
  });
}

function checkInlineRows(
  table: TableDefinition,
  rows: readonly Record<string, unknown>[],
  path: string,
  report: Report,
): void {
  const fields = new Set(
    table.columns.map((column) => column.sourceField ?? column.name),
  );
  rows.forEach((row, rowIndex) => {
    for (const key of Object.keys(row)) {
      if (!fields.has(key)) {
        report(
          `${path}.source.rows[${rowIndex}].${key}`,
          `not a column of ${table.name}; use one of: ${[...fields].join(", ")}`,
        );
      }
    }
  });
}

/**
 * Checks a query source. It runs once while the warehouse is built, so it may read only
 * tables loaded before it and has no parameters to bind.
 */
function checkQuerySource(
  sql: string,
  earlierTables: readonly string[],
  path: string,
  report: Report,
): void {
  const sqlPath = `${path}.source.sql`;
  if (classifyStatement(sql).kind !== "query") {
    report(
      sqlPath,
      "must be one query (SELECT, WITH, VALUES or TABLE) whose rows fill the table",
    );
  }
  for (const marker of findParameterMarkers(sql)) {
    report(
      sqlPath,
      `uses the marker :${marker}, but a table's query has no parameters; write the value into the SQL`,
    );
  }
  for (const name of referencedTables(sql)) {
    if (!earlierTables.includes(name)) {
      report(
        sqlPath,
        `refers to table "${name}", which is not listed before this table; list it earlier under tables, because tables load in order`,
      );
    }
  }
}
