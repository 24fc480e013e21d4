import { AuthenticationError } from "../errors/errors.js";

/**
 * `apps`: behind the Databricks Apps proxy, which forwards the signed-in user's token in
 * `x-forwarded-access-token`. `standalone`: clients send `Authorization: Bearer`.
 */
export type ServerMode = "standalone" | "apps";

/** Apps mode when configured, or when Databricks Apps has set `DATABRICKS_APP_NAME`. */
export function resolveServerMode(
  configured: ServerMode | undefined,
  environment: Record<string, string | undefined>,
): ServerMode {
  if (configured !== undefined) {
    return configured;
  }
  return environment.DATABRICKS_APP_NAME ? "apps" : "standalone";
}

/**
 * Reads the user's token from the header the mode trusts. The other header is ignored,
 * so a client outside the Apps proxy cannot pose as a user with `x-forwarded-*` headers.
 */
export function readUserToken(headers: Headers, mode: ServerMode): string {
  if (mode === "apps") {
    const token = headers.get("x-forwarded-access-token")?.trim();
    if (!token) {
      throw new AuthenticationError(
        "No user token: the x-forwarded-access-token header is missing. Enable user authorization for the app " +
          "and add the scopes its tools need, then sign in again.",
      );
    }
    return token;
  }

  const authorization = headers.get("authorization")?.trim();
  if (!authorization) {
    throw new AuthenticationError(
      "No user token: send the user's Databricks token as `Authorization: Bearer <token>`.",
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (match === null || match[1] === undefined) {
    throw new AuthenticationError(
      "The Authorization header must be `Bearer <token>`.",
    );
  }
  return match[1];
}
