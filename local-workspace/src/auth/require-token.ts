import type { MiddlewareHandler } from "hono";
import type { LocalWorkspaceEnv, TokenVerifier } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import { hasAnyRequiredScope } from "./scopes.js";

const bearerPattern = /^Bearer\s+(\S+)\s*$/i;

/** RFC 6750 challenges sent with 401 and 403 responses. */
const missingTokenChallenge = {
  "WWW-Authenticate": 'Bearer realm="local-workspace"',
};
const invalidTokenChallenge = {
  "WWW-Authenticate": 'Bearer realm="local-workspace", error="invalid_token"',
};

/**
 * Middleware that makes `tokenVerifier` available to `requireToken`. The server installs
 * it once in front of every route, and a test that mounts a route factory on its own app
 * installs it the same way.
 */
export function provideTokenVerifier(
  verifier: TokenVerifier,
): MiddlewareHandler<LocalWorkspaceEnv> {
  return async (context, next) => {
    context.set("tokenVerifier", verifier);
    await next();
  };
}

/**
 * Middleware that admits a request only with a valid bearer token carrying one of
 * `requiredScopes` (or any scope for `"any"`), and sets the `principal` variable.
 * Rejections use Databricks bodies: 401 `UNAUTHENTICATED` for a missing, malformed,
 * unknown, badly signed or expired token, and 403 `PERMISSION_DENIED` for missing scopes.
 */
export function requireToken(
  requiredScopes: readonly string[] | "any",
): MiddlewareHandler<LocalWorkspaceEnv> {
  return async (context, next) => {
    const header = context.req.header("Authorization");
    if (header === undefined || header.trim() === "") {
      return sendDatabricksError(
        context,
        401,
        "UNAUTHENTICATED",
        "The request has no Authorization header. Send `Authorization: Bearer <token>` with a token from this workspace.",
        missingTokenChallenge,
      );
    }

    const match = bearerPattern.exec(header);
    const token = match?.[1];
    if (token === undefined) {
      return sendDatabricksError(
        context,
        401,
        "UNAUTHENTICATED",
        "The Authorization header is not of the form `Bearer <token>`. Send a bearer token from this workspace.",
        missingTokenChallenge,
      );
    }

    // A missing verifier is a wiring bug in the server or a test, not a client error,
    // so it surfaces as a 500 through the server's error handler.
    const verifier = context.get("tokenVerifier");
    if (verifier === undefined) {
      throw new Error(
        "requireToken ran without a token verifier; install provideTokenVerifier before the routes.",
      );
    }

    const verification = await verifier.verify(token);
    if (!verification.valid) {
      return sendDatabricksError(
        context,
        401,
        "UNAUTHENTICATED",
        verification.reason,
        invalidTokenChallenge,
      );
    }

    const { principal } = verification;
    if (
      requiredScopes !== "any" &&
      !hasAnyRequiredScope(principal.scopes, requiredScopes)
    ) {
      return sendDatabricksError(
        context,
        403,
        "PERMISSION_DENIED",
        `Provided OAuth token does not have required scopes: ${requiredScopes.join(", ")}`,
        {
          "WWW-Authenticate": `Bearer realm="local-workspace", error="insufficient_scope", scope="${requiredScopes.join(" ")}"`,
        },
      );
    }

    context.set("principal", principal);
    await next();
  };
}
