import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { redactTokens } from "../logger.js";
import { sendDatabricksError } from "./databricks-error.js";

/** Sends a Databricks `ENDPOINT_NOT_FOUND` response for a request that matches no route. */
export const sendEndpointNotFound: NotFoundHandler = (context: Context) =>
  sendDatabricksError(
    context,
    404,
    "ENDPOINT_NOT_FOUND",
    `No API found for '${context.req.method} ${context.req.path}'. Check the method and path.`,
  );

/**
 * Returns a handler for errors no route caught: it logs the error with tokens redacted
 * and returns 500 `INTERNAL_ERROR` without the stack trace. `HTTPException`s keep their
 * own response.
 */
export function createUnexpectedErrorHandler(logger: Logger): ErrorHandler {
  return (error, context) => {
    if (error instanceof HTTPException) {
      return error.getResponse();
    }
    logger.error(
      {
        method: context.req.method,
        path: context.req.path,
        error: redactTokens(error.stack ?? error.message),
      },
      "request failed with an unhandled error",
    );
    return sendDatabricksError(
      context,
      500,
      "INTERNAL_ERROR",
      "The local workspace failed to handle the request; its log has the details.",
    );
  };
}
