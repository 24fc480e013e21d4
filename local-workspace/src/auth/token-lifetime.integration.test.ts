import { randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceDefinition } from "../contracts.js";
import { type LocalWorkspace, startLocalWorkspace } from "../server.js";
import { codeChallengeOf } from "./authorization-codes.js";
import { accessTokenType, tokenExchangeGrantType } from "./token-exchange.js";

/**
 * Short enough to wait out in a test, long enough that every token is used before it
 * expires.
 */
const lifetimeSeconds = 3;
const appId = "lifetime-test-app";
const appSecret = "lifetime-test-secret";
const redirectUri = "http://127.0.0.1:9/callback";

const definition: WorkspaceDefinition = {
  workspaceId: "42",
  users: [{ userName: "alice@example.com", displayName: "Alice", groups: [] }],
  groups: [],
  servicePrincipals: [
    { applicationId: appId, displayName: "App", clientSecret: appSecret },
  ],
  tables: [],
  grants: [],
  rowFilters: [],
  genieSpaces: [],
  servingEndpoints: [],
  warehouses: [],
};

let workspace: LocalWorkspace;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition,
    tokenLifetimeSeconds: lifetimeSeconds,
    logLevel: "silent",
  });
  workspace.registerRedirectUri(appId, redirectUri);
}, 60_000);

afterAll(async () => {
  await workspace?.close();
});

interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
}

async function tokenEndpoint(
  fields: Record<string, string>,
): Promise<TokenResponse> {
  const response = await fetch(`${workspace.url}/oidc/v1/token`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${Buffer.from(`${appId}:${appSecret}`).toString("base64")}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenResponse;
}

/**
 * Signs alice in on the authorization endpoint and redeems the code, with a refresh
 * token.
 */
async function signInWithCode(): Promise<TokenResponse> {
  const verifier = randomBytes(32).toString("base64url");
  const form = new URLSearchParams({
    response_type: "code",
    client_id: appId,
    redirect_uri: redirectUri,
    state: "state-1",
    scope: "all-apis offline_access",
    code_challenge: codeChallengeOf(verifier),
    code_challenge_method: "S256",
    user_name: "alice@example.com",
  });
  const signIn = await fetch(`${workspace.url}/oidc/v1/authorize`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
  const code = new URL(signIn.headers.get("Location") ?? "").searchParams.get(
    "code",
  );
  expect(code).toBeTruthy();
  return tokenEndpoint({
    grant_type: "authorization_code",
    code: code ?? "",
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

async function currentUserStatus(
  token: string,
): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${workspace.url}/api/2.0/preview/scim/v2/Me`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

describe("tokenLifetimeSeconds", () => {
  it("expires every kind of issued token after the lifetime", async () => {
    const tokens = new Map<string, string>();

    tokens.set("issueToken", await workspace.issueToken("alice@example.com"));

    const signInRoute = await fetch(`${workspace.url}/local/api/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userName: "alice@example.com" }),
    });
    const signedIn = (await signInRoute.json()) as TokenResponse;
    expect(signedIn.expires_in).toBe(lifetimeSeconds);
    tokens.set("local sign-in route", signedIn.access_token);

    const clientCredentials = await tokenEndpoint({
      grant_type: "client_credentials",
      scope: "all-apis",
    });
    expect(clientCredentials.expires_in).toBe(lifetimeSeconds);
    tokens.set("client credentials", clientCredentials.access_token);

    const authorizationCode = await signInWithCode();
    expect(authorizationCode.expires_in).toBe(lifetimeSeconds);
    tokens.set("authorization code", authorizationCode.access_token);

    const refreshed = await tokenEndpoint({
      grant_type: "refresh_token",
      refresh_token: authorizationCode.refresh_token ?? "",
    });
    expect(refreshed.expires_in).toBe(lifetimeSeconds);
    tokens.set("refresh token", refreshed.access_token);

    const exchanged = await tokenEndpoint({
      grant_type: tokenExchangeGrantType,
      subject_token: authorizationCode.access_token,
      subject_token_type: accessTokenType,
      scope: "sql",
    });
    tokens.set("token exchange", exchanged.access_token);

    let latestExpiry = 0;
    for (const [kind, token] of tokens) {
      const claims = decodeJwt(token);
      const lifetime = (claims.exp ?? 0) - (claims.iat ?? 0);
      expect(lifetime, kind).toBeGreaterThan(0);
      expect(lifetime, kind).toBeLessThanOrEqual(lifetimeSeconds);
      latestExpiry = Math.max(latestExpiry, (claims.exp ?? 0) * 1000);
      expect((await currentUserStatus(token)).status, kind).toBe(200);
    }

    // JWT expiry is in whole seconds; the workspace rejects a token from that second on.
    await new Promise((resolve) =>
      setTimeout(resolve, latestExpiry - Date.now() + 50),
    );

    for (const [kind, token] of tokens) {
      const { status, body } = await currentUserStatus(token);
      expect(status, kind).toBe(401);
      expect(body, kind).toEqual({
        error_code: "UNAUTHENTICATED",
        message: "The bearer token has expired. Request a new token.",
      });
    }
  }, 20_000);
});
