import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { ColumnDefinition, TableDefinition } from "../contracts.js";
import {
  type FileSource,
  isFileSource,
  resolveSourceFile,
} from "../definition/source-files.js";
import { readParquetBatches } from "./parquet-source.js";

/** A row keyed by column name, with values in a form Postgres can parse. */
export type TableRow = Record<string, string | number | boolean | null>;

/** A table's rows in batches, so that a large file never sits in memory whole. */
export type RowBatches = AsyncIterable<TableRow[]>;

/** Rows per batch for sources that are read whole (inline rows, JSON and CSV files). */
const batchRows = 50_000;

/**
 * Opens a table's source and returns its rows in batches keyed by column name, or
 * undefined for a query source, which the warehouse runs itself. JSON and CSV files are
 * parsed here; Parquet files are checked here and read one row group per batch. Fields
 * missing from a record and empty CSV fields become null. Relative file paths start
 * from `baseDirectory`.
 */
export async function openTableRows(
  table: TableDefinition,
  baseDirectory: string,
): Promise<RowBatches | undefined> {
  const { source, columns } = table;
  if ("sql" in source) {
    return undefined;
  }

  const toRow = (record: Record<string, unknown>) =>
    toTableRow(record, columns);
  if (!isFileSource(source)) {
    return inBatches(source.rows.map(toRow));
  }

  const file = resolveSourceFile(source, baseDirectory);
  if (source.format === "parquet") {
    const batches = await readParquetBatches(file, table);
    return mapBatches(batches, toRow);
  }
  const records = await readTextRecords(file, source, table.name);
  return inBatches(records.map(toRow));
}

async function readTextRecords(
  file: string,
  source: FileSource,
  tableName: string,
): Promise<Record<string, unknown>[]> {
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
      `${file} does not contain a JSON array of records, so table ${tableName} cannot be loaded from it.`,
    );
  }
  return parsed as Record<string, unknown>[];
}

async function* inBatches(rows: TableRow[]): RowBatches {
  for (let start = 0; start < rows.length; start += batchRows) {
    yield rows.slice(start, start + batchRows);
  }
}

async function* mapBatches(
  batches: AsyncIterable<Record<string, unknown>[]>,
  toRow: (record: Record<string, unknown>) => TableRow,
): RowBatches {
  for await (const batch of batches) {
    yield batch.map(toRow);
  }
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
  if (typeof value === "bigint") {
    return value.toString();
  }
  if (value instanceof Date) {
    // Parquet timestamps without a time zone arrive as Dates in UTC; the ISO text
    // without its Z is the same wall-clock time for a Postgres timestamp.
    const text = value.toISOString();
    return column.type === "DATE" ? text.slice(0, 10) : text.slice(0, -1);
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
