import { type Context, Hono } from "hono";
import { z } from "zod";
import type { LocalWorkspaceEnv, WorkspaceDefinition } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import {
  readClientCredentials,
  secretsMatch,
} from "./client-authentication.js";
import { allApisScope, parseScopeList } from "./scopes.js";
import {
  issuePrincipalToken,
  maximumTokenLifetimeSeconds,
  UnknownPrincipalError,
} from "./token-issuing.js";
import type { IssuedToken, TokenService } from "./token-service.js";

const scopeNamePattern = /^[A-Za-z0-9._*:-]+$/;

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

type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_scope"
  | "unsupported_grant_type"
  | "unsupported_response_type";

/** Sends an OAuth 2.0 error body (RFC 6749 section 5.2). */
function sendOAuthError(
  context: Context,
  status: 400 | 401,
  error: OAuthErrorCode,
  description: string,
): Response {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (error === "invalid_client") {
    headers["WWW-Authenticate"] = 'Basic realm="local-workspace"';
  }
  return context.json(
    { error, error_description: description },
    status,
    headers,
  );
}

function tokenResponse(context: Context, token: IssuedToken): Response {
  return context.json(
    {
      access_token: token.accessToken,
      token_type: "Bearer",
      expires_in: token.expiresInSeconds,
      scope: token.scope,
    },
    200,
    { "Cache-Control": "no-store" },
  );
}

/**
 * OAuth routes: discovery, signing keys, the client-credentials token endpoint for
 * service principals, and `POST /local/api/tokens`, a local-only sign-in that issues a
 * user token without a password.
 */
export function createOAuthRoutes(
  definition: WorkspaceDefinition,
  tokens: TokenService,
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();
  const workspaceUrl = tokens.audience;

  app.get("/oidc/.well-known/oauth-authorization-server", (context) =>
    context.json({
      issuer: tokens.issuer,
      authorization_endpoint: `${workspaceUrl}/oidc/v1/authorize`,
      token_endpoint: `${workspaceUrl}/oidc/v1/token`,
      jwks_uri: `${workspaceUrl}/oidc/v1/keys`,
      grant_types_supported: ["client_credentials"],
      response_types_supported: ["code"],
      token_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
      ],
      scopes_supported: [allApisScope],
    }),
  );

  app.get("/oidc/v1/keys", async (context) =>
    context.json(await tokens.jsonWebKeySet()),
  );

  app.get("/oidc/v1/authorize", (context) =>
    sendOAuthError(
      context,
      400,
      "unsupported_response_type",
      "This local workspace has no interactive sign-in. Use grant_type=client_credentials at /oidc/v1/token, or POST /local/api/tokens with a user name.",
    ),
  );

  app.post("/oidc/v1/token", async (context) => {
    const contentType = context.req.header("Content-Type") ?? "";
    if (
      !contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")
    ) {
      return sendOAuthError(
        context,
        400,
        "invalid_request",
        `The token request must have Content-Type application/x-www-form-urlencoded, got "${contentType}".`,
      );
    }
    const form = new URLSearchParams(await context.req.text());

    const grantType = form.get("grant_type");
    if (grantType === null) {
      return sendOAuthError(
        context,
        400,
        "invalid_request",
        "grant_type is missing; send grant_type=client_credentials.",
      );
    }
    if (grantType !== "client_credentials") {
      return sendOAuthError(
        context,
        400,
        "unsupported_grant_type",
        `grant_type "${grantType}" is not supported here; use client_credentials.`,
      );
    }

    const credentials = readClientCredentials(
      context.req.header("Authorization"),
      form,
    );
    if ("error" in credentials) {
      return sendOAuthError(
        context,
        credentials.status,
        credentials.error,
        credentials.description,
      );
    }
    const servicePrincipal = definition.servicePrincipals.find(
      (candidate) => candidate.applicationId === credentials.clientId,
    );
    if (
      servicePrincipal === undefined ||
      !secretsMatch(servicePrincipal.clientSecret, credentials.clientSecret)
    ) {
      return sendOAuthError(
        context,
        401,
        "invalid_client",
        "Client authentication failed: unknown client_id or wrong client_secret.",
      );
    }

    const scopes = parseScopeList(form.get("scope") ?? allApisScope);
    const invalidScope = scopes.find((scope) => !scopeNamePattern.test(scope));
    if (scopes.length === 0 || invalidScope !== undefined) {
      return sendOAuthError(
        context,
        400,
        "invalid_scope",
        `The scope "${invalidScope ?? ""}" is not a valid scope name; send space-separated names such as all-apis.`,
      );
    }

    const token = await tokens.issue({
      subject: servicePrincipal.applicationId,
      scopes,
      clientId: servicePrincipal.applicationId,
    });
    return tokenResponse(context, token);
  });

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
      return tokenResponse(context, token);
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
