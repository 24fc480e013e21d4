import type { AuthorizationCodeStore } from "./authorization-codes.js";
import type { OAuthClient } from "./oauth-clients.js";
import {
  type OAuthFailure,
  oauthFailure,
  type TokenResponseExtras,
} from "./oauth-errors.js";
import type { RefreshTokenStore } from "./refresh-tokens.js";
import {
  allApisScope,
  hasAnyRequiredScope,
  offlineAccessScope,
  parseScopeList,
  scopeNamePattern,
} from "./scopes.js";
import type { IssuedToken, TokenService } from "./token-service.js";

/** The stores and services the token endpoint's grants use. */
export interface TokenGrantDependencies {
  tokens: TokenService;
  codes: AuthorizationCodeStore;
  refreshTokens: RefreshTokenStore;
}

/** A granted token and the extra fields of its token response. */
export interface GrantResult {
  token: IssuedToken;
  extras?: TokenResponseExtras;
}

/**
 * Parses a space-separated `scope` value, or returns `fallback` when it is absent.
 * Fails with `invalid_scope` on an empty list or a malformed name.
 */
export function parseRequestedScopes(
  value: string | null,
  fallback: readonly string[],
): string[] | OAuthFailure {
  const scopes = value === null ? [...fallback] : parseScopeList(value);
  if (scopes.length === 0) {
    return oauthFailure(
      "invalid_scope",
      "The scope parameter is empty; send space-separated scope names such as all-apis.",
    );
  }
  const invalid = scopes.find((scope) => !scopeNamePattern.test(scope));
  if (invalid !== undefined) {
    return oauthFailure(
      "invalid_scope",
      `The scope "${invalid}" is not a valid scope name; send space-separated names such as all-apis.`,
    );
  }
  return scopes;
}

function withoutOfflineAccess(scopes: readonly string[]): string[] {
  return scopes.filter((scope) => scope !== offlineAccessScope);
}

/** `grant_type=client_credentials`: a service principal's own token (OAuth M2M). */
export async function grantClientCredentials(
  client: OAuthClient,
  form: URLSearchParams,
  dependencies: TokenGrantDependencies,
): Promise<GrantResult | OAuthFailure> {
  if (client.clientSecret === undefined) {
    return oauthFailure(
      "unauthorized_client",
      `The public client "${client.clientId}" has no identity of its own; client_credentials needs a service principal's id and secret.`,
    );
  }
  const scopes = parseRequestedScopes(form.get("scope"), [allApisScope]);
  if (!Array.isArray(scopes)) {
    return scopes;
  }

  const token = await dependencies.tokens.issue({
    subject: client.clientId,
    scopes,
    clientId: client.clientId,
  });
  return { token };
}

/**
 * `grant_type=authorization_code`: redeems a code from the authorization endpoint for
 * the signed-in user's token, and a refresh token when `offline_access` was requested.
 */
export async function grantAuthorizationCode(
  client: OAuthClient,
  form: URLSearchParams,
  dependencies: TokenGrantDependencies,
): Promise<GrantResult | OAuthFailure> {
  const code = form.get("code");
  if (code === null || code === "") {
    return oauthFailure(
      "invalid_request",
      "code is missing; send the code the authorization endpoint returned to the redirect URI.",
    );
  }
  const grant = dependencies.codes.redeem(code, {
    clientId: client.clientId,
    redirectUri: form.get("redirect_uri"),
    codeVerifier: form.get("code_verifier"),
  });
  if ("error" in grant) {
    return grant;
  }

  const scopes = withoutOfflineAccess(grant.scopes);
  const token = await dependencies.tokens.issue({
    subject: grant.userName,
    scopes,
    clientId: client.clientId,
  });
  if (!grant.scopes.includes(offlineAccessScope)) {
    return { token };
  }
  const refreshToken = dependencies.refreshTokens.issue({
    clientId: client.clientId,
    userName: grant.userName,
    scopes,
    family: grant.family,
  });
  return { token, extras: { refreshToken } };
}

/**
 * `grant_type=refresh_token`: a new access token for the same user, and a new refresh
 * token in place of the one sent. A `scope` parameter may narrow the access token only.
 */
export async function grantRefreshToken(
  client: OAuthClient,
  form: URLSearchParams,
  dependencies: TokenGrantDependencies,
): Promise<GrantResult | OAuthFailure> {
  const refreshToken = form.get("refresh_token");
  if (refreshToken === null || refreshToken === "") {
    return oauthFailure(
      "invalid_request",
      "refresh_token is missing; send the refresh token of the earlier token response.",
    );
  }
  const grant = dependencies.refreshTokens.find(refreshToken, client.clientId);
  if ("error" in grant) {
    return grant;
  }

  const scopes = parseRequestedScopes(form.get("scope"), grant.scopes);
  if (!Array.isArray(scopes)) {
    return scopes;
  }
  const widened = scopes.find(
    (scope) => !hasAnyRequiredScope(grant.scopes, [scope]),
  );
  if (widened !== undefined) {
    return oauthFailure(
      "invalid_scope",
      `The scope "${widened}" was not granted at sign-in (granted: ${grant.scopes.join(" ")}); request those scopes or fewer.`,
    );
  }

  const successor = dependencies.refreshTokens.rotate(refreshToken, grant);
  const token = await dependencies.tokens.issue({
    subject: grant.userName,
    scopes,
    clientId: client.clientId,
  });
  return { token, extras: { refreshToken: successor } };
}
