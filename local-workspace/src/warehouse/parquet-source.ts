import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import type { TableDefinition } from "../contracts.js";
import { parquetCompressors } from "./parquet-compressors.js";

/**
 * Opens a Parquet file for a table: reads its footer, checks that every column's source
 * field is a top-level column of the file, and returns the records one row group at a
 * time, with only the columns the table uses.
 */
export async function readParquetBatches(
  file: string,
  table: TableDefinition,
): Promise<AsyncIterable<Record<string, unknown>[]>> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);

  const available = parquetSchema(metadata).children.map(
    (child) => child.element.name,
  );
  const fields = table.columns.map(
    (column) => column.sourceField ?? column.name,
  );
  const missing = fields.filter((field) => !available.includes(field));
  if (missing.length > 0) {
    throw new Error(
      `${file} has no column ${missing.join(", ")}, so table ${table.name} cannot be loaded from it. Its columns are: ${available.join(", ")}. Set sourceField on the table's columns to match.`,
    );
  }

  return readRowGroups(buffer, metadata, fields);
}

async function* readRowGroups(
  file: Awaited<ReturnType<typeof asyncBufferFromFile>>,
  metadata: FileMetaData,
  columns: string[],
): AsyncIterable<Record<string, unknown>[]> {
  let rowStart = 0;
  for (const rowGroup of metadata.row_groups) {
    const rowEnd = rowStart + Number(rowGroup.num_rows);
    yield await parquetReadObjects({
      file,
      metadata,
      columns,
      rowStart,
      rowEnd,
      compressors: parquetCompressors,
    });
    rowStart = rowEnd;
  }
}
