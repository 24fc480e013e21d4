import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { ColumnDefinition, TableDefinition } from "../contracts.js";
import { resolveSourceFile } from "../definition/source-files.js";

/** A row keyed by column name, with values in a form Postgres can parse. */
export type TableRow = Record<string, string | number | boolean | null>;

/**
 * Reads a table's rows from its source and keys them by column name. Fields missing
 * from a record and empty CSV fields become null. Relative file paths start from
 * `baseDirectory`.
 */
export async function readTableRows(
  table: TableDefinition,
  baseDirectory: string,
): Promise<TableRow[]> {
  const records = await readSourceRecords(table, baseDirectory);
  return records.map((record) => toTableRow(record, table.columns));
}

async function readSourceRecords(
  table: TableDefinition,
  baseDirectory: string,
): Promise<Record<string, unknown>[]> {
  const { source } = table;
  if ("rows" in source) {
    return source.rows;
  }

  const file = resolveSourceFile(source, baseDirectory);
  const text = await readFile(file, "utf8");

  if (source.format === "csv") {
    return parse(text, {
      columns: true,
      skip_empty_lines: true,
      bom: true,
    }) as Record<string, string>[];
  }

  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) {
    throw new Error(
      `${file} does not contain a JSON array of records, so table ${table.name} cannot be loaded from it.`,
    );
  }
  return parsed as Record<string, unknown>[];
}

function toTableRow(
  record: Record<string, unknown>,
  columns: readonly ColumnDefinition[],
): TableRow {
  const row: TableRow = {};
  for (const column of columns) {
    row[column.name] = toColumnValue(
      record[column.sourceField ?? column.name],
      column,
    );
  }
  return row;
}

function toColumnValue(
  value: unknown,
  column: ColumnDefinition,
): string | number | boolean | null {
  if (value === undefined || value === null || value === "") {
    return null;
  }
  if (typeof value === "object") {
    return JSON.stringify(value);
  }
  if (
    (column.type === "TIMESTAMP" || column.type === "DATE") &&
    typeof value === "string"
  ) {
    // Sources such as vega-datasets write dates as 2001/01/01; ISO dashes avoid any
    // dependence on Postgres' DateStyle setting.
    return value.replace(/^(\d{4})\/(\d{1,2})\/(\d{1,2})/, "$1-$2-$3");
  }
  return value as string | number | boolean;
}
