import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Body of a Databricks REST error: `{"error_code": "...", "message": "..."}`. */
export interface DatabricksErrorBody {
  error_code: string;
  message: string;
}

/** Sends a Databricks-style error response. */
export function sendDatabricksError(
  context: Context,
  status: ContentfulStatusCode,
  errorCode: string,
  message: string,
  headers?: Record<string, string>,
): Response {
  const body: DatabricksErrorBody = { error_code: errorCode, message };
  return context.json(body, status, headers);
}
