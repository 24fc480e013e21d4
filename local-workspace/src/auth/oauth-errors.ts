import type { Context } from "hono";
import type { IssuedToken } from "./token-service.js";

/** Error codes of RFC 6749 sections 4.1.2.1 and 5.2, and `invalid_target` of RFC 8693. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "invalid_scope"
  | "invalid_target"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "access_denied";

/** A rejected OAuth request: the HTTP status and the body fields of the error response. */
export interface OAuthFailure {
  status: 400 | 401;
  error: OAuthErrorCode;
  description: string;
}

/** Returns a failure with status 401 for `invalid_client` and 400 for every other code. */
export function oauthFailure(
  error: OAuthErrorCode,
  description: string,
): OAuthFailure {
  return { status: error === "invalid_client" ? 401 : 400, error, description };
}

/** Sends an OAuth 2.0 error body (RFC 6749 section 5.2). */
export function sendOAuthError(
  context: Context,
  failure: OAuthFailure,
): Response {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (failure.error === "invalid_client") {
    headers["WWW-Authenticate"] = 'Basic realm="local-workspace"';
  }
  return context.json(
    { error: failure.error, error_description: failure.description },
    failure.status,
    headers,
  );
}

/** Extra fields of a token response beyond the access token. */
export interface TokenResponseExtras {
  refreshToken?: string;
  /** RFC 8693 requires `issued_token_type` in token exchange responses. */
  issuedTokenType?: string;
}

/** Sends a successful token response (RFC 6749 section 5.1). */
export function sendTokenResponse(
  context: Context,
  token: IssuedToken,
  extras: TokenResponseExtras = {},
): Response {
  return context.json(
    {
      access_token: token.accessToken,
      token_type: "Bearer",
      expires_in: token.expiresInSeconds,
      scope: token.scope,
      ...(extras.refreshToken === undefined
        ? {}
        : { refresh_token: extras.refreshToken }),
      ...(extras.issuedTokenType === undefined
        ? {}
        : { issued_token_type: extras.issuedTokenType }),
    },
    200,
    { "Cache-Control": "no-store", Pragma: "no-cache" },
  );
}
