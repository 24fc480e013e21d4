/**
 * Applies active faults to incoming requests before any route runs: added delays,
 * error responses, and tokens that expire while a Genie message is being polled.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { LocalWorkspaceEnv } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import type { Logger } from "../logger.js";
import { type FaultInjector, fingerprintToken } from "./fault-injector.js";
import { faultRoutesPath } from "./fault-routes.js";

/** A Genie get-message poll; the last group is the message id. */
const messagePollPath =
  /^\/api\/2\.0\/genie\/spaces\/[^/]+\/conversations\/[^/]+\/messages\/([^/]+)\/?$/;

const bearerPattern = /^Bearer\s+(\S+)\s*$/i;

/** Databricks error codes sent for an injected status when the fault names none. */
const errorCodesByStatus: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "RESOURCE_CONFLICT",
  429: "REQUEST_LIMIT_EXCEEDED",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  502: "BAD_GATEWAY",
  503: "TEMPORARILY_UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

export function applyFaults(
  faults: FaultInjector,
  logger: Logger,
): MiddlewareHandler<LocalWorkspaceEnv> {
  return async (context, next) => {
    const method = context.req.method;
    const path = context.req.path;
    if (path === faultRoutesPath || path.startsWith(`${faultRoutesPath}/`)) {
      return next();
    }

    const delayMilliseconds = faults.takeDelay(method, path);
    if (delayMilliseconds > 0) {
      logger.info({ method, path, delayMilliseconds }, "injected delay");
      await sleep(delayMilliseconds);
    }

    const httpError = faults.takeHttpError(method, path);
    if (httpError) {
      logger.info(
        { method, path, status: httpError.status, faultId: httpError.faultId },
        "injected error response",
      );
      const headers: Record<string, string> =
        httpError.retryAfterSeconds === undefined
          ? {}
          : { "Retry-After": String(httpError.retryAfterSeconds) };
      return sendDatabricksError(
        context,
        httpError.status as ContentfulStatusCode,
        httpError.errorCode ??
          errorCodesByStatus[httpError.status] ??
          "INTERNAL_ERROR",
        httpError.message ??
          `The local workspace returned HTTP ${httpError.status} because of a fault injected for testing.`,
        headers,
      );
    }

    const token = bearerPattern.exec(
      context.req.header("Authorization") ?? "",
    )?.[1];
    if (token !== undefined && (await expiresNow(context, faults, token))) {
      logger.info({ method, path }, "injected token expiry");
      return sendDatabricksError(
        context,
        401,
        "UNAUTHENTICATED",
        "The bearer token has expired. Request a new token.",
        {
          "WWW-Authenticate":
            'Bearer realm="local-workspace", error="invalid_token"',
        },
      );
    }
    return next();
  };
}

/**
 * Returns whether the request's token counts as expired: it expired earlier, or this
 * request is the poll on which a token-expiry fault expires it.
 */
async function expiresNow(
  context: Parameters<MiddlewareHandler<LocalWorkspaceEnv>>[0],
  faults: FaultInjector,
  token: string,
): Promise<boolean> {
  const fingerprint = fingerprintToken(token);
  if (faults.isExpired(fingerprint)) {
    return true;
  }
  const messageId = messagePollPath.exec(context.req.path)?.[1];
  if (
    context.req.method !== "GET" ||
    messageId === undefined ||
    !faults.hasTokenExpiryFaults()
  ) {
    return false;
  }

  // Only valid tokens of this workspace count, so that a fault for one user never
  // fires on a malformed or foreign token.
  const verification = await context.get("tokenVerifier")?.verify(token);
  if (!verification?.valid) {
    return false;
  }
  return faults.expiresOnPoll(
    fingerprint,
    verification.principal.userName,
    messageId,
  );
}
