import { PGlite } from "@electric-sql/pglite";
import type { TableDefinition, WorkspaceDefinition } from "../contracts.js";
import { hoistConstantGroupChecks } from "./group-checks.js";
import { quoteIdentifier, storageTable } from "./postgres-names.js";
import { PrivilegeModel } from "./privileges.js";
import {
  compileGrants,
  compileHardening,
  compileRoles,
  compileRowFilters,
} from "./security-ddl.js";
import { type TranslationContext, translateSql } from "./sql-translation.js";
import {
  compileSchemas,
  compileStorageTable,
  compileView,
} from "./table-ddl.js";
import {
  openTableRows,
  type RowBatches,
  type TableRow,
} from "./table-sources.js";

/**
 * Starts an empty PGlite database and builds the warehouse in it. Closes the database
 * and rethrows when the build fails.
 */
export async function buildDatabase(
  definition: WorkspaceDefinition,
  baseDirectory: string,
  context: TranslationContext,
): Promise<PGlite> {
  // Parsing the source files overlaps with PGlite's start, which takes seconds.
  const [database, sources] = await Promise.all([
    PGlite.create(),
    Promise.all(
      definition.tables.map((table) => openTableRows(table, baseDirectory)),
    ),
  ]);
  try {
    const privileges = new PrivilegeModel(definition);
    await buildWarehouse(database, definition, sources, privileges, context);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * Builds the warehouse in an empty database: roles, schemas, storage tables and their
 * rows, row filters, views with the column masks, and grants. `sources` contains each
 * table's row batches in definition order, or undefined for a query source, which runs
 * as the superuser after the tables before it are loaded.
 */
async function buildWarehouse(
  database: PGlite,
  definition: WorkspaceDefinition,
  sources: readonly (RowBatches | undefined)[],
  privileges: PrivilegeModel,
  context: TranslationContext,
): Promise<void> {
  const current = await database.query<{ name: string }>(
    "SELECT current_database() AS name",
  );
  await database.exec(
    [
      ...compileHardening(current.rows[0]?.name ?? "postgres"),
      ...compileRoles(definition, privileges),
      ...compileSchemas(definition),
      ...definition.tables.flatMap(compileStorageTable),
    ].join(";\n"),
  );

  // Row filters and masks read other tables with the owner role's rights, so their
  // three-level names translate to the storage tables.
  const storageContext = { ...context, storage: true };
  const translate = (expression: string) =>
    translateSql(hoistConstantGroupChecks(expression), storageContext).text;

  for (const [index, table] of definition.tables.entries()) {
    const rows = sources[index];
    if (rows === undefined) {
      await fillFromQuery(database, table, translate);
    } else {
      await copyRows(database, table, rows);
    }
  }

  const masks = definition.columnMasks ?? [];
  await database.exec(
    [
      ...compileRowFilters(definition, translate),
      ...definition.tables.flatMap((table) =>
        compileView(
          table,
          masks.filter((mask) => mask.table === table.name),
          translate,
        ),
      ),
      ...compileGrants(definition, privileges),
      "ANALYZE",
    ].join(";\n"),
  );
}

/**
 * Loads row batches with COPY in Postgres' text format, which loaded 500,000 rows about
 * 2.5 times faster than INSERT from a JSON parameter in PGlite 0.5.
 */
async function copyRows(
  database: PGlite,
  table: TableDefinition,
  batches: RowBatches,
): Promise<void> {
  const columns = table.columns.map((column) => column.name);
  const statement = `COPY ${storageTable(table.name)} (${columns.map(quoteIdentifier).join(", ")}) FROM '/dev/blob'`;
  for await (const batch of batches) {
    const text = encodeCopyText(batch, columns);
    await database.query(statement, [], { blob: new Blob([text]) });
  }
}

async function fillFromQuery(
  database: PGlite,
  table: TableDefinition,
  translate: (sql: string) => string,
): Promise<void> {
  if (!("sql" in table.source)) {
    return;
  }
  const columns = table.columns.map((column) => quoteIdentifier(column.name));
  try {
    await database.exec(
      `INSERT INTO ${storageTable(table.name)} (${columns.join(", ")}) ${translate(table.source.sql)}`,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Table ${table.name} could not be filled from its source query: ${reason}. Check the query's columns against the table's ${columns.length} columns.`,
    );
  }
}

const copyEscapes: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Encodes rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes. */
export function encodeCopyText(
  rows: readonly TableRow[],
  columns: readonly string[],
): string {
  const lines = rows.map((row) =>
    columns
      .map((column) => {
        const value = row[column];
        if (value === null || value === undefined) {
          return "\\N";
        }
        return String(value).replace(
          /[\\\n\r\t]/g,
          (character) => copyEscapes[character] ?? character,
        );
      })
      .join("\t"),
  );
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
