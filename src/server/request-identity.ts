import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { runInRequestScope } from "../identity/request-context.js";
import { readUserToken, type ServerMode } from "../identity/token-source.js";
import { UserCredential } from "../identity/user-credential.js";
import type { UserResolver } from "../identity/user-resolver.js";

const requestIdPattern = /^[\w.:-]{1,128}$/;

/** `WWW-Authenticate` value sent with every 401, telling the client to get a new bearer token. */
export const bearerChallenge = 'Bearer realm="behalf", error="invalid_token"';

/** Uses the caller's `X-Request-Id` (the Apps proxy sets one) when it is well formed, else a new UUID. */
export function readRequestId(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given !== null && requestIdPattern.test(given) ? given : randomUUID();
}

/**
 * Establishes who is asking before any route runs: reads the user token from the header
 * the mode trusts, asks the workspace who it belongs to, and runs the rest of the
 * request inside a request scope. A missing or rejected token ends the request with
 * 401 before any tool or model call is made.
 */
export function requireUser(
  mode: ServerMode,
  resolver: UserResolver,
): MiddlewareHandler {
  return async (context, next) => {
    const requestId = readRequestId(context.req.raw.headers);
    context.header("x-request-id", requestId);

    const credential = new UserCredential(
      readUserToken(context.req.raw.headers, mode),
    );
    // @hono/node-server 1.19 aborts this signal when the response closes before it has
    // finished, that is when the client went away. The adapter creates the controller on
    // the first access to the request's signal or body, and this read is such an access.
    const signal = context.req.raw.signal;
    const user = await resolver.resolve(credential, signal);

    await runInRequestScope({ requestId, credential, user, signal }, () =>
      next(),
    );
  };
}
