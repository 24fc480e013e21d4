/**
 * Statement Execution response bodies: `StatementResponse` for execute and get, and
 * `ResultData` for one chunk of a JSON_ARRAY result.
 */
import type { QueryResult } from "../contracts.js";

export type StatementState =
  | "PENDING"
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELED"
  | "CLOSED";

export interface StoredStatement {
  statementId: string;
  /** SCIM id of the caller who submitted it; other callers get 404 for it. */
  ownerId: string;
  warehouseId: string;
  state: StatementState;
  submittedAt: number;
  /** When it reached SUCCEEDED, FAILED or CANCELED. */
  finishedAt?: number;
  /** Rows after the row limit, for SUCCEEDED statements. */
  result?: QueryResult;
  /** Whether the row limit left rows out. */
  truncated?: boolean;
  failure?: { errorClass: string; message: string; sqlState?: string };
}

/** Builds the response for execute and get: status, and for SUCCEEDED the manifest and first chunk. */
export function statementView(statement: StoredStatement, chunkRows: number) {
  const base = { statement_id: statement.statementId };
  if (statement.state === "FAILED" && statement.failure) {
    const { errorClass, message, sqlState } = statement.failure;
    return {
      ...base,
      status: {
        state: "FAILED",
        error: {
          error_code: serviceErrorCode(errorClass),
          message: message.startsWith(`[${errorClass}]`)
            ? message
            : `[${errorClass}] ${message}`,
        },
        ...(sqlState === undefined ? {} : { sql_state: sqlState }),
      },
    };
  }
  if (statement.state !== "SUCCEEDED" || !statement.result) {
    return { ...base, status: { state: statement.state } };
  }

  const { result } = statement;
  const chunkCount = Math.ceil(result.rows.length / chunkRows);
  const chunks = Array.from({ length: chunkCount }, (_, index) => ({
    chunk_index: index,
    row_offset: index * chunkRows,
    row_count: Math.min(chunkRows, result.rows.length - index * chunkRows),
  }));
  return {
    ...base,
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
          ...decimalDigits(column.typeText),
        })),
      },
      total_row_count: result.rows.length,
      total_chunk_count: chunkCount,
      chunks,
      truncated: statement.truncated === true,
    },
    // An empty result has no chunks, so no `result` is sent.
    ...(chunkCount === 0
      ? {}
      : { result: chunkView(statement, result, 0, chunkRows) }),
  };
}

/** Builds one chunk of a SUCCEEDED statement's rows; `next_chunk_index` is absent on the last. */
export function chunkView(
  statement: StoredStatement,
  result: QueryResult,
  chunkIndex: number,
  chunkRows: number,
) {
  const rowOffset = chunkIndex * chunkRows;
  const rows = result.rows.slice(rowOffset, rowOffset + chunkRows);
  const hasNext = rowOffset + chunkRows < result.rows.length;
  return {
    chunk_index: chunkIndex,
    row_offset: rowOffset,
    row_count: rows.length,
    data_array: rows,
    ...(hasNext
      ? {
          next_chunk_index: chunkIndex + 1,
          next_chunk_internal_link: `/api/2.0/sql/statements/${statement.statementId}/result/chunks/${chunkIndex + 1}`,
        }
      : {}),
  };
}

/**
 * Returns `type_precision` and `type_scale`, which Databricks sends for DECIMAL columns
 * only, from a type text such as `DECIMAL(38,2)`.
 */
function decimalDigits(typeText: string) {
  const digits = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(typeText);
  if (digits === null) {
    return {};
  }
  return { type_precision: Number(digits[1]), type_scale: Number(digits[2]) };
}

/**
 * Returns the service code for `error_code`. The SQL error class leads the message in
 * brackets, and `error_code` names the kind of failure.
 *
 * NOTE: the service code Databricks sends for a denied privilege was not confirmed;
 * this uses BAD_REQUEST, as for other errors in the statement.
 */
function serviceErrorCode(errorClass: string): string {
  return errorClass === "INTERNAL_ERROR" ? "INTERNAL_ERROR" : "BAD_REQUEST";
}
