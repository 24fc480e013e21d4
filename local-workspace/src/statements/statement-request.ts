/**
 * Validation of `POST /api/2.0/sql/statements` bodies. The local workspace supports the
 * INLINE disposition with the JSON_ARRAY format only, which is what behalf sends.
 */
import type { QueryParameter } from "../contracts.js";

/** A request the Statement Execution API rejects, with the HTTP status and error code to send. */
export class StatementRequestError extends Error {
  readonly status: 400 | 403 | 404;
  readonly errorCode: string;

  constructor(status: 400 | 403 | 404, errorCode: string, message: string) {
    super(message);
    this.name = "StatementRequestError";
    this.status = status;
    this.errorCode = errorCode;
  }
}

export interface ExecuteStatementRequest {
  statement: string;
  warehouseId: string;
  catalog?: string;
  schema?: string;
  parameters: QueryParameter[];
  /** How long the request waits for a result, in milliseconds. */
  waitMilliseconds: number;
  onWaitTimeout: "CONTINUE" | "CANCEL";
  rowLimit?: number;
}

/** Databricks' default `wait_timeout`. */
const defaultWaitTimeout = "10s";

function invalid(message: string): StatementRequestError {
  return new StatementRequestError(400, "INVALID_PARAMETER_VALUE", message);
}

function optionalString(
  body: Record<string, unknown>,
  field: string,
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== "string" || value.trim() === "") {
    throw invalid(`Field '${field}' must be a non-empty string.`);
  }
  return value;
}

/** Validates an execute request body and returns its settings with defaults applied. */
export function readExecuteRequest(body: unknown): ExecuteStatementRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid(
      "The request body must be a JSON object with 'statement' and 'warehouse_id'.",
    );
  }
  const fields = body as Record<string, unknown>;

  const statement = optionalString(fields, "statement");
  if (statement === undefined) {
    throw invalid("Field 'statement' is required.");
  }
  const warehouseId = optionalString(fields, "warehouse_id");
  if (warehouseId === undefined) {
    throw invalid("Field 'warehouse_id' is required.");
  }

  const waitTimeout =
    optionalString(fields, "wait_timeout") ?? defaultWaitTimeout;
  const waitMatch = /^(\d+)s$/.exec(waitTimeout);
  const waitSeconds = Number(waitMatch?.[1] ?? Number.NaN);
  if (!(waitSeconds === 0 || (waitSeconds >= 5 && waitSeconds <= 50))) {
    throw invalid(
      `Field 'wait_timeout' must be "0s" or between "5s" and "50s", got ${JSON.stringify(waitTimeout)}.`,
    );
  }

  const onWaitTimeout = optionalString(fields, "on_wait_timeout") ?? "CONTINUE";
  if (onWaitTimeout !== "CONTINUE" && onWaitTimeout !== "CANCEL") {
    throw invalid(
      `Field 'on_wait_timeout' must be CONTINUE or CANCEL, got ${JSON.stringify(onWaitTimeout)}.`,
    );
  }
  const disposition = optionalString(fields, "disposition") ?? "INLINE";
  const format = optionalString(fields, "format") ?? "JSON_ARRAY";
  if (disposition !== "INLINE" || format !== "JSON_ARRAY") {
    throw invalid(
      `The local workspace returns results with disposition INLINE and format JSON_ARRAY only, got ${disposition} and ${format}.`,
    );
  }

  const rowLimit = fields.row_limit;
  if (
    rowLimit !== undefined &&
    (typeof rowLimit !== "number" ||
      !Number.isInteger(rowLimit) ||
      rowLimit < 1)
  ) {
    throw invalid("Field 'row_limit' must be a positive integer.");
  }

  return {
    statement,
    warehouseId,
    catalog: optionalString(fields, "catalog"),
    schema: optionalString(fields, "schema"),
    parameters: readParameters(fields.parameters),
    waitMilliseconds: waitSeconds * 1000,
    onWaitTimeout,
    rowLimit: rowLimit as number | undefined,
  };
}

function readParameters(value: unknown): QueryParameter[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw invalid("Field 'parameters' must be a list of {name, value, type}.");
  }
  return value.map((item, index) => {
    const parameter = item as Record<string, unknown>;
    if (
      typeof parameter !== "object" ||
      parameter === null ||
      typeof parameter.name !== "string" ||
      parameter.name === ""
    ) {
      throw invalid(
        `Field 'parameters[${index}].name' must be a non-empty string.`,
      );
    }
    const parameterValue = parameter.value ?? null;
    if (parameterValue !== null && typeof parameterValue !== "string") {
      throw invalid(
        `Field 'parameters[${index}].value' must be a string, or null for SQL NULL.`,
      );
    }
    const type = parameter.type;
    if (type !== undefined && typeof type !== "string") {
      throw invalid(
        `Field 'parameters[${index}].type' must be a type name such as INT.`,
      );
    }
    return {
      name: parameter.name,
      value: parameterValue,
      ...(type === undefined ? {} : { type }),
    };
  });
}
