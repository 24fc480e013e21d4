import type { OAuthClient } from "./oauth-clients.js";
import { type OAuthFailure, oauthFailure } from "./oauth-errors.js";
import { hasAnyRequiredScope, offlineAccessScope } from "./scopes.js";
import { type GrantResult, parseRequestedScopes } from "./token-grants.js";
import type { TokenService } from "./token-service.js";

/** `grant_type` of OAuth 2.0 Token Exchange (RFC 8693 section 2.1). */
export const tokenExchangeGrantType =
  "urn:ietf:params:oauth:grant-type:token-exchange";

/** Token type URN of an OAuth access token (RFC 8693 section 3). */
export const accessTokenType = "urn:ietf:params:oauth:token-type:access_token";

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`: turns a user's access
 * token into a narrower one for the authenticated client to use on the user's behalf.
 * The new token keeps the user as `sub`, carries only requested scopes that the subject
 * token already has, never outlives the subject token, and names the client in the
 * `act` claim (delegation, RFC 8693 section 4.1), nesting any earlier actor.
 *
 * NOTE: Databricks accepts token exchange for federated identity-provider tokens, and
 * Databricks Apps narrows user tokens inside its proxy without a documented endpoint.
 * Narrowing an access token here imitates that effect; it is not a Databricks API.
 */
export async function grantTokenExchange(
  client: OAuthClient,
  form: URLSearchParams,
  tokens: TokenService,
): Promise<GrantResult | OAuthFailure> {
  if (client.clientSecret === undefined) {
    return oauthFailure(
      "invalid_client",
      `Token exchange needs an authenticated client, and "${client.clientId}" is a public client; use a service principal's id and secret.`,
    );
  }

  const subjectToken = form.get("subject_token");
  if (subjectToken === null || subjectToken === "") {
    return oauthFailure(
      "invalid_request",
      "subject_token is missing; send the user's access token to exchange.",
    );
  }
  const subjectTokenType = form.get("subject_token_type");
  if (subjectTokenType !== accessTokenType) {
    return oauthFailure(
      "invalid_request",
      `subject_token_type must be ${accessTokenType}, got "${subjectTokenType ?? ""}".`,
    );
  }
  const requestedTokenType = form.get("requested_token_type");
  if (requestedTokenType !== null && requestedTokenType !== accessTokenType) {
    return oauthFailure(
      "invalid_request",
      `requested_token_type "${requestedTokenType}" is not supported; this workspace issues ${accessTokenType} only.`,
    );
  }
  if (form.has("actor_token") || form.has("actor_token_type")) {
    return oauthFailure(
      "invalid_request",
      "actor_token is not supported: the authenticated client is the actor, and the act claim names it.",
    );
  }
  const target = [...form.getAll("audience"), ...form.getAll("resource")].find(
    (value) => value !== tokens.audience,
  );
  if (target !== undefined) {
    return oauthFailure(
      "invalid_target",
      `Tokens from this workspace are for ${tokens.audience} only, not "${target}"; leave out audience and resource or send that URL.`,
    );
  }

  const subject = await tokens.inspect(subjectToken);
  if (!subject.valid) {
    return oauthFailure(
      "invalid_request",
      `The subject_token is invalid: ${subject.reason}`,
    );
  }
  const { principal } = subject;
  if (principal.kind !== "user") {
    return oauthFailure(
      "invalid_request",
      `The subject_token belongs to the service principal "${principal.userName}"; token exchange here acts on behalf of users only.`,
    );
  }

  const scopes = parseRequestedScopes(form.get("scope"), principal.scopes);
  if (!Array.isArray(scopes)) {
    return scopes;
  }
  if (scopes.includes(offlineAccessScope)) {
    return oauthFailure(
      "invalid_scope",
      `${offlineAccessScope} cannot be requested in a token exchange, because it returns no refresh token.`,
    );
  }
  const widened = scopes.find(
    (scope) => !hasAnyRequiredScope(principal.scopes, [scope]),
  );
  if (widened !== undefined) {
    return oauthFailure(
      "invalid_scope",
      `The subject_token does not have the scope "${widened}" (it has: ${principal.scopes.join(" ") || "none"}); a token exchange can only narrow scopes.`,
    );
  }

  const remainingSeconds = Math.floor(
    (principal.expiresAt.getTime() - Date.now()) / 1000,
  );
  if (remainingSeconds < 1) {
    return oauthFailure(
      "invalid_request",
      "The subject_token expires within a second; exchange a fresh token.",
    );
  }
  const token = await tokens.issue({
    subject: principal.userName,
    scopes,
    clientId: client.clientId,
    lifetimeSeconds: Math.min(tokens.defaultLifetimeSeconds, remainingSeconds),
    actor:
      subject.actor === undefined
        ? { sub: client.clientId }
        : { sub: client.clientId, act: subject.actor },
  });
  return { token, extras: { issuedTokenType: accessTokenType } };
}
