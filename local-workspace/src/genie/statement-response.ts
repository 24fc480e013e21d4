/**
 * Statement Execution `StatementResponse` objects for Genie's query-result route,
 * which returns the same shape as `GET /api/2.0/sql/statements/{statement_id}`.
 */
import type { QueryResult } from "../contracts.js";

/** Genie returns at most this many rows of a query result. */
export const maximumResultRows = 5000;

/** Cuts `result` to `maximumResultRows` rows and reports whether rows were dropped. */
export function capResultRows(result: QueryResult): {
  result: QueryResult;
  truncated: boolean;
} {
  if (result.rows.length <= maximumResultRows) {
    return { result, truncated: false };
  }
  return {
    result: { ...result, rows: result.rows.slice(0, maximumResultRows) },
    truncated: true,
  };
}

/** Builds a finished statement whose rows fit in one inline JSON_ARRAY chunk. */
export function succeededStatementResponse(
  statementId: string,
  result: QueryResult,
  truncated: boolean,
) {
  const rowCount = result.rows.length;
  return {
    statement_id: statementId,
    status: { state: "SUCCEEDED" },
    manifest: {
      format: "JSON_ARRAY",
      schema: {
        column_count: result.columns.length,
        columns: result.columns.map((column, position) => ({
          name: column.name,
          position,
          type_name: column.typeName,
          type_text: column.typeText,
        })),
      },
      total_row_count: rowCount,
      total_chunk_count: 1,
      chunks: [{ chunk_index: 0, row_offset: 0, row_count: rowCount }],
      truncated,
    },
    result: {
      chunk_index: 0,
      row_offset: 0,
      row_count: rowCount,
      data_array: result.rows,
    },
  };
}

/** Builds a statement that is still RUNNING, which tells clients to poll again. */
export function runningStatementResponse(statementId: string) {
  return { statement_id: statementId, status: { state: "RUNNING" } };
}

/** Builds a statement that failed, with the Databricks error class as `error_code`. */
export function failedStatementResponse(
  statementId: string,
  errorCode: string,
  message: string,
) {
  return {
    statement_id: statementId,
    status: {
      state: "FAILED",
      error: { error_code: errorCode, message },
    },
  };
}
