import { BehalfError, type BehalfErrorOptions } from "../errors/errors.js";
import type { StatementResponse } from "./statement-result.js";
import type { WorkspaceClient } from "./workspace-client.js";

const service = "SQL Statement Execution";
const segment = encodeURIComponent;

/** A named parameter for a `:name` marker; `value` null is SQL NULL, `type` defaults to STRING. */
export interface StatementParameter {
  name: string;
  value: string | null;
  type?: string;
}

export interface StatementRequest {
  statement: string;
  warehouseId: string;
  catalog?: string;
  schema?: string;
  parameters?: StatementParameter[];
  /** Rows to return at most; more rows are left out and the result is flagged as truncated. */
  rowLimit: number;
}

/** One chunk of a JSON_ARRAY result, as `result` or from the chunk route. */
export interface ResultChunk {
  chunk_index?: number;
  row_offset?: number;
  row_count?: number;
  data_array?: (string | null)[][];
  /** Absent on the last chunk. */
  next_chunk_index?: number;
}

export type StatementState =
  | "PENDING"
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELED"
  | "CLOSED"
  | (string & {});

export interface StatementStatusResponse extends StatementResponse {
  statement_id: string;
  status?: {
    state?: StatementState;
    error?: { error_code?: string; message?: string };
    sql_state?: string;
  };
  result?: ResultChunk;
}

/** The Statement Execution API calls behalf makes, as one identity. */
export class StatementExecutionClient {
  readonly #client: WorkspaceClient;

  constructor(client: WorkspaceClient) {
    this.#client = client;
  }

  /** Submits a statement. The POST is retried only when the workspace certainly did not accept it. */
  executeStatement(
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<StatementStatusResponse> {
    return this.#client.post("/api/2.0/sql/statements", body, {
      service,
      operation: `run a statement on warehouse ${String(body.warehouse_id)}`,
      signal,
    });
  }

  getStatement(
    statementId: string,
    signal?: AbortSignal,
  ): Promise<StatementStatusResponse> {
    return this.#client.get(`/api/2.0/sql/statements/${segment(statementId)}`, {
      service,
      operation: `get statement ${statementId}`,
      signal,
    });
  }

  getResultChunk(
    statementId: string,
    chunkIndex: number,
    signal?: AbortSignal,
  ): Promise<ResultChunk> {
    return this.#client.get(
      `/api/2.0/sql/statements/${segment(statementId)}/result/chunks/${chunkIndex}`,
      {
        service,
        operation: `get chunk ${chunkIndex} of statement ${statementId}`,
        signal,
      },
    );
  }

  async cancelStatement(
    statementId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#client.post(
      `/api/2.0/sql/statements/${segment(statementId)}/cancel`,
      {},
      { service, operation: `cancel statement ${statementId}`, signal },
    );
  }
}

const failureStatuses = {
  PERMISSION_DENIED: 403,
  INVALID_REQUEST: 400,
  UPSTREAM_ERROR: 502,
} as const;

/**
 * A statement that ended in FAILED, CANCELED or CLOSED. Its `code` is PERMISSION_DENIED for a
 * missing privilege, INVALID_REQUEST for an error in the statement, and UPSTREAM_ERROR otherwise.
 */
export class StatementFailedError extends BehalfError {
  readonly statementId: string;
  readonly state: string;
  /** The SQL error class, such as `TABLE_OR_VIEW_NOT_FOUND`, when the workspace gave one. */
  readonly errorClass: string | undefined;

  constructor(
    code: keyof typeof failureStatuses,
    statement: { statementId: string; state: string; errorClass?: string },
    message: string,
    options: BehalfErrorOptions = {},
  ) {
    super(code, message, {
      status: failureStatuses[code],
      ...options,
      details: { ...options.details, ...statement },
    });
    this.statementId = statement.statementId;
    this.state = statement.state;
    this.errorClass = statement.errorClass;
  }
}

const permissionClasses = /^(INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED)\b/;

/** Turns a FAILED, CANCELED or CLOSED statement into a typed error. */
export function statementFailure(
  statementId: string,
  response: StatementStatusResponse,
): StatementFailedError {
  const state = response.status?.state ?? "UNKNOWN";
  if (state === "CANCELED") {
    return new StatementFailedError(
      "UPSTREAM_ERROR",
      { statementId, state },
      `Statement ${statementId} was canceled in the warehouse before it finished. Run it again.`,
    );
  }
  if (state === "CLOSED") {
    return new StatementFailedError(
      "UPSTREAM_ERROR",
      { statementId, state },
      `Statement ${statementId} succeeded, but its result is no longer available (CLOSED). Run it again.`,
    );
  }

  const error = response.status?.error;
  const text = (error?.message ?? "").trim().replace(/\.+$/, "");
  // Databricks SQL messages start with the error class in brackets, as in
  // "[TABLE_OR_VIEW_NOT_FOUND] ...", and error_code holds a service code such as
  // BAD_REQUEST. The bracketed class is preferred because it is the more specific.
  const errorClass = /^\[([A-Z0-9_.]+)\]/.exec(text)?.[1] ?? error?.error_code;
  const statement = { statementId, state, errorClass };
  const reason =
    text.length > 0 ? text : `it reported ${state} without an error text`;

  if (
    permissionClasses.test(errorClass ?? "") ||
    response.status?.sql_state === "42501"
  ) {
    return new StatementFailedError(
      "PERMISSION_DENIED",
      statement,
      `Statement ${statementId} was denied: ${reason}. It ran as the signed-in user, who lacks that privilege.`,
    );
  }
  const isBadStatement =
    error?.error_code === "BAD_REQUEST" ||
    error?.error_code === "INVALID_PARAMETER_VALUE";
  return new StatementFailedError(
    isBadStatement ? "INVALID_REQUEST" : "UPSTREAM_ERROR",
    statement,
    `Statement ${statementId} failed: ${reason}.${isBadStatement ? " Fix the statement and run it again." : ""}`,
  );
}
