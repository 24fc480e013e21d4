import { APICallError, RetryError } from "ai";
import { readErrorBody, toTypedError } from "../databricks/error-mapping.js";
import {
  type BehalfError,
  toBehalfError,
  UpstreamError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";

const logger = moduleLogger("agent");

/** Maps a model call failure to a typed error that names the serving endpoint. */
export function toModelError(error: unknown, endpoint: string): BehalfError {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(cause) && cause.statusCode !== undefined) {
    const status = cause.statusCode;
    const fields = readErrorBody(cause.responseBody ?? "");
    // The model is called as the app, so a refusal is a deployment problem, never the user's.
    if (status === 401 || status === 403) {
      return new UpstreamError(
        `The serving endpoint ${endpoint} rejected the app's identity (HTTP ${status}: ${fields.message}). ` +
          "Check the app credentials and that the app has CAN_QUERY on the endpoint.",
        {
          details: {
            upstreamStatus: status,
            upstreamErrorCode: fields.errorCode,
          },
        },
      );
    }
    if (status === 429 || status >= 500) {
      const retryAfter = cause.responseHeaders?.["retry-after"] ?? null;
      return toTypedError(status, fields, retryAfter, {
        service: `Serving endpoint ${endpoint}`,
        operation: "chat completion as the app",
      });
    }
    // Any other rejection (unknown endpoint, a body it cannot read) is a deployment
    // problem too: the user's request was fine, so they get 502, not 4xx.
    return new UpstreamError(
      `The serving endpoint ${endpoint} rejected the chat request (HTTP ${status}: ${fields.message}). ` +
        (status === 404
          ? "Check llm.endpoint (BEHALF_LLM_ENDPOINT) names an endpoint that exists in the workspace."
          : "Check that the endpoint serves a chat model with tool calling."),
      {
        details: {
          upstreamStatus: status,
          upstreamErrorCode: fields.errorCode,
        },
      },
    );
  }
  if (APICallError.isInstance(cause)) {
    return new UpstreamUnavailableError(
      `Could not reach the serving endpoint ${endpoint}: ${cause.message}. Try again later.`,
    );
  }
  const typed = toBehalfError(cause);
  if (typed.code === "INTERNAL_ERROR") {
    // Only the name and message: model errors carry the request body, which contains the
    // user's question and earlier tool results.
    logger.error(
      {
        errorName: (cause as Error)?.name,
        errorMessage: (cause as Error)?.message,
      },
      "agent turn failed",
    );
  }
  return typed;
}
