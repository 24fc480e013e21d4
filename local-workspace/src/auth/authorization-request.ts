import { codeChallengePattern } from "./authorization-codes.js";
import type { OAuthClient, OAuthClientRegistry } from "./oauth-clients.js";
import { type OAuthFailure, oauthFailure } from "./oauth-errors.js";
import { allApisScope, offlineAccessScope } from "./scopes.js";
import { parseRequestedScopes } from "./token-grants.js";

/** Scopes of a sign-in request without `scope`: the Databricks CLI and SDK default. */
export const defaultSignInScopes = [allApisScope, offlineAccessScope];

/** The parameters of an authorization request that passed every check. */
export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  state: string | null;
  codeChallenge: string;
  scopes: string[];
}

/**
 * Outcome of checking an authorization request. A bad `client_id` or `redirect_uri` is
 * `fatal`: the error goes to the browser, never to an unverified redirect URI (RFC 6749
 * section 4.1.2.1). Later problems go back to the client's redirect URI.
 */
export type AuthorizationRequestCheck =
  | { kind: "valid"; request: AuthorizationRequest }
  | { kind: "fatal"; failure: OAuthFailure }
  | {
      kind: "redirect";
      redirectUri: string;
      state: string | null;
      failure: OAuthFailure;
    };

/** Checks the parameters of `GET` or `POST /oidc/v1/authorize`. */
export function checkAuthorizationRequest(
  parameters: URLSearchParams,
  clients: OAuthClientRegistry,
): AuthorizationRequestCheck {
  const clientId = parameters.get("client_id");
  if (clientId === null || clientId === "") {
    return {
      kind: "fatal",
      failure: oauthFailure(
        "invalid_request",
        "client_id is missing; send the id of a registered OAuth client.",
      ),
    };
  }
  const client = clients.find(clientId);
  if (client === undefined) {
    return {
      kind: "fatal",
      failure: oauthFailure(
        "invalid_request",
        `Unknown client_id "${clientId}"; use a service principal's application id or databricks-cli.`,
      ),
    };
  }
  const redirectUri = parameters.get("redirect_uri");
  if (redirectUri === null || redirectUri === "") {
    return {
      kind: "fatal",
      failure: oauthFailure(
        "invalid_request",
        "redirect_uri is missing; send one of the client's registered redirect URIs.",
      ),
    };
  }
  if (!clients.allowsRedirectUri(client, redirectUri)) {
    return {
      kind: "fatal",
      failure: oauthFailure(
        "invalid_request",
        `The redirect_uri "${redirectUri}" is not registered for client "${clientId}" (registered: ${client.redirectUris.join(", ") || "none"}).`,
      ),
    };
  }

  const state = parameters.get("state");
  const rejectTo = (failure: OAuthFailure): AuthorizationRequestCheck => ({
    kind: "redirect",
    redirectUri,
    state,
    failure,
  });

  const responseType = parameters.get("response_type");
  if (responseType !== "code") {
    return rejectTo(
      oauthFailure(
        "unsupported_response_type",
        `response_type must be "code", got "${responseType ?? ""}".`,
      ),
    );
  }
  const codeChallenge = parameters.get("code_challenge");
  if (codeChallenge === null || codeChallenge === "") {
    return rejectTo(
      oauthFailure(
        "invalid_request",
        "code_challenge is missing: this workspace requires PKCE with code_challenge_method=S256.",
      ),
    );
  }
  const method = parameters.get("code_challenge_method");
  if (method !== "S256") {
    return rejectTo(
      oauthFailure(
        "invalid_request",
        `code_challenge_method must be S256, got "${method ?? "plain (the default when absent)"}".`,
      ),
    );
  }
  if (!codeChallengePattern.test(codeChallenge)) {
    return rejectTo(
      oauthFailure(
        "invalid_request",
        "code_challenge must be the 43-character base64url SHA-256 digest of the code verifier.",
      ),
    );
  }

  const scopes = parseRequestedScopes(
    parameters.get("scope"),
    defaultSignInScopes,
  );
  if (!Array.isArray(scopes)) {
    return rejectTo(scopes);
  }
  if (scopes.every((scope) => scope === offlineAccessScope)) {
    return rejectTo(
      oauthFailure(
        "invalid_scope",
        `The scope lists no API; add one such as ${allApisScope}.`,
      ),
    );
  }

  return {
    kind: "valid",
    request: { client, redirectUri, state, codeChallenge, scopes },
  };
}

/** Returns `redirectUri` with `parameters` added to its query, keeping its own ones. */
export function redirectUriWith(
  redirectUri: string,
  parameters: Record<string, string | null>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== null) {
      url.searchParams.set(name, value);
    }
  }
  return url.toString();
}
