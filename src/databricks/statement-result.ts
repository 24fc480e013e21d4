/** Statement Execution API response (`statement_response` in Genie query results). */
export interface StatementResponse {
  statement_id?: string;
  status?: {
    state?: string;
    error?: { error_code?: string; message?: string };
  };
  manifest?: {
    format?: string;
    schema?: { column_count?: number; columns?: StatementColumn[] };
    total_row_count?: number;
    total_chunk_count?: number;
    truncated?: boolean;
  };
  result?: {
    chunk_index?: number;
    row_offset?: number;
    row_count?: number;
    data_array?: (string | null)[][];
  };
}

export interface StatementColumn {
  name: string;
  position?: number;
  type_name?: string;
  type_text?: string;
}

export type CellValue = string | number | boolean | null;

export interface TypedColumn {
  name: string;
  /** Databricks type name, e.g. `DECIMAL`, `STRING`, `TIMESTAMP`. */
  type: string;
}

export interface TypedResult {
  columns: TypedColumn[];
  rows: CellValue[][];
  /** Rows the statement produced, as the manifest reports them. */
  rowCount: number;
  /** True when the API returned fewer rows than the statement produced. */
  truncated: boolean;
}

const numericTypes = new Set([
  "BYTE",
  "SHORT",
  "INT",
  "LONG",
  "FLOAT",
  "DOUBLE",
  "DECIMAL",
]);

/**
 * Converts one JSON_ARRAY cell. Databricks sends every value as a string (numbers too,
 * sometimes in scientific notation such as "3.336E8"); the manifest type says what it is.
 */
export function convertCell(
  value: string | null,
  typeName: string | undefined,
): CellValue {
  if (value === null) {
    return null;
  }
  const type = (typeName ?? "STRING").toUpperCase();
  if (numericTypes.has(type)) {
    const number = Number(value);
    // LONG and DECIMAL can exceed what a double represents exactly; keep those as text.
    return Number.isFinite(number) &&
      (Number.isSafeInteger(number) || !/^-?\d+$/.test(value))
      ? number
      : value;
  }
  if (type === "BOOLEAN") {
    return value === "true";
  }
  return value;
}

/** Reads columns and typed rows from a statement response. */
export function typeStatementResult(statement: StatementResponse): TypedResult {
  const columns = (statement.manifest?.schema?.columns ?? [])
    .slice()
    .sort((left, right) => (left.position ?? 0) - (right.position ?? 0))
    .map((column) => ({
      name: column.name,
      type: (column.type_name ?? "STRING").toUpperCase(),
    }));

  const data = statement.result?.data_array ?? [];
  const rows = data.map((row) =>
    row.map((cell, index) => convertCell(cell, columns[index]?.type)),
  );
  const rowCount =
    statement.manifest?.total_row_count ??
    statement.result?.row_count ??
    rows.length;

  return {
    columns,
    rows,
    rowCount,
    truncated: statement.manifest?.truncated === true || rowCount > rows.length,
  };
}
