import { Hono } from "hono";
import type { LocalWorkspaceEnv } from "../contracts.js";
import type { OAuthClient, OAuthClientRegistry } from "./oauth-clients.js";
import {
  type OAuthFailure,
  oauthFailure,
  sendOAuthError,
  sendTokenResponse,
} from "./oauth-errors.js";
import {
  grantTokenExchange,
  tokenExchangeGrantType,
} from "./token-exchange.js";
import {
  type GrantResult,
  grantAuthorizationCode,
  grantClientCredentials,
  grantRefreshToken,
  type TokenGrantDependencies,
} from "./token-grants.js";

type Grant = (
  client: OAuthClient,
  form: URLSearchParams,
  dependencies: TokenGrantDependencies,
) => Promise<GrantResult | OAuthFailure>;

const grants: ReadonlyMap<string, Grant> = new Map<string, Grant>([
  ["authorization_code", grantAuthorizationCode],
  ["client_credentials", grantClientCredentials],
  ["refresh_token", grantRefreshToken],
  [
    tokenExchangeGrantType,
    (client, form, dependencies) =>
      grantTokenExchange(client, form, dependencies.tokens),
  ],
]);

/** Grant types the token endpoint accepts, for the discovery document. */
export const supportedGrantTypes = [...grants.keys()];

/**
 * `POST /oidc/v1/token`: authenticates the client, then runs the grant that
 * `grant_type` names. Every failure is an OAuth error body (RFC 6749 section 5.2).
 */
export function createTokenEndpoint(
  clients: OAuthClientRegistry,
  dependencies: TokenGrantDependencies,
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();

  app.post("/oidc/v1/token", async (context) => {
    const contentType = context.req.header("Content-Type") ?? "";
    if (
      !contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")
    ) {
      return sendOAuthError(
        context,
        oauthFailure(
          "invalid_request",
          `The token request must have Content-Type application/x-www-form-urlencoded, got "${contentType}".`,
        ),
      );
    }
    const form = new URLSearchParams(await context.req.text());

    const grantType = form.get("grant_type");
    if (grantType === null) {
      return sendOAuthError(
        context,
        oauthFailure(
          "invalid_request",
          `grant_type is missing; send one of: ${supportedGrantTypes.join(", ")}.`,
        ),
      );
    }
    const grant = grants.get(grantType);
    if (grant === undefined) {
      return sendOAuthError(
        context,
        oauthFailure(
          "unsupported_grant_type",
          `grant_type "${grantType}" is not supported here; use one of: ${supportedGrantTypes.join(", ")}.`,
        ),
      );
    }

    const client = clients.authenticate(
      context.req.header("Authorization"),
      form,
    );
    if ("error" in client) {
      return sendOAuthError(context, client);
    }

    const result = await grant(client, form, dependencies);
    if ("error" in result) {
      return sendOAuthError(context, result);
    }
    return sendTokenResponse(context, result.token, result.extras);
  });

  return app;
}
