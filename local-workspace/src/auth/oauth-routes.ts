import { Hono } from "hono";
import { z } from "zod";
import type { LocalWorkspaceEnv, WorkspaceDefinition } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import { AuthorizationCodeStore } from "./authorization-codes.js";
import { createAuthorizeRoutes } from "./authorize-routes.js";
import { OAuthClientRegistry } from "./oauth-clients.js";
import { sendTokenResponse } from "./oauth-errors.js";
import { RefreshTokenStore } from "./refresh-tokens.js";
import {
  allApisScope,
  offlineAccessScope,
  scopeNamePattern,
} from "./scopes.js";
import { createTokenEndpoint, supportedGrantTypes } from "./token-endpoint.js";
import {
  issuePrincipalToken,
  maximumTokenLifetimeSeconds,
  UnknownPrincipalError,
} from "./token-issuing.js";
import type { TokenService } from "./token-service.js";

const signInRequestSchema = z.strictObject({
  userName: z.string().min(1),
  scopes: z
    .array(z.string().regex(scopeNamePattern, "invalid scope name"))
    .min(1)
    .optional(),
  lifetimeSeconds: z
    .number()
    .int()
    .positive()
    .max(maximumTokenLifetimeSeconds)
    .optional(),
});

/**
 * OAuth routes: discovery, signing keys, the authorization endpoint with its sign-in
 * page, the token endpoint (authorization code with PKCE, refresh token, client
 * credentials and token exchange), and `POST /local/api/tokens`, a local-only sign-in
 * that issues a user token without a password.
 */
export function createOAuthRoutes(
  definition: WorkspaceDefinition,
  tokens: TokenService,
  clients: OAuthClientRegistry = new OAuthClientRegistry(definition),
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();
  const workspaceUrl = tokens.audience;
  const refreshTokens = new RefreshTokenStore();
  const codes = new AuthorizationCodeStore((family) =>
    refreshTokens.revokeFamily(family),
  );

  app.get("/oidc/.well-known/oauth-authorization-server", (context) =>
    context.json({
      issuer: tokens.issuer,
      authorization_endpoint: `${workspaceUrl}/oidc/v1/authorize`,
      token_endpoint: `${workspaceUrl}/oidc/v1/token`,
      jwks_uri: `${workspaceUrl}/oidc/v1/keys`,
      grant_types_supported: supportedGrantTypes,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
        "none",
      ],
      scopes_supported: [allApisScope, offlineAccessScope],
    }),
  );

  app.get("/oidc/v1/keys", async (context) =>
    context.json(await tokens.jsonWebKeySet()),
  );

  app.route("/", createAuthorizeRoutes(definition, clients, codes));
  app.route(
    "/",
    createTokenEndpoint(clients, { tokens, codes, refreshTokens }),
  );

  app.post("/local/api/tokens", async (context) => {
    let body: unknown;
    try {
      body = await context.req.json();
    } catch {
      return sendDatabricksError(
        context,
        400,
        "MALFORMED_REQUEST",
        'The body must be JSON such as {"userName": "alice@example.com"}.',
      );
    }

    const parsed = signInRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "body";
      return sendDatabricksError(
        context,
        400,
        "INVALID_PARAMETER_VALUE",
        `Invalid ${field}: ${issue?.message ?? "unknown problem"}. Send {"userName": string, "scopes"?: string[], "lifetimeSeconds"?: integer up to ${maximumTokenLifetimeSeconds}}.`,
      );
    }

    try {
      const token = await issuePrincipalToken(
        tokens,
        definition,
        parsed.data.userName,
        parsed.data,
      );
      return sendTokenResponse(context, token);
    } catch (error) {
      if (error instanceof UnknownPrincipalError) {
        return sendDatabricksError(
          context,
          404,
          "RESOURCE_DOES_NOT_EXIST",
          error.message,
        );
      }
      throw error;
    }
  });

  return app;
}
