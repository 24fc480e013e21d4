import { randomBytes } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalWorkspaceEnv, WorkspaceDefinition } from "../contracts.js";
import { createScimRoutes } from "../scim/me-routes.js";
import { codeChallengeOf } from "./authorization-codes.js";
import { OAuthClientRegistry } from "./oauth-clients.js";
import { createOAuthRoutes } from "./oauth-routes.js";
import { provideTokenVerifier } from "./require-token.js";
import { TokenService } from "./token-service.js";

const appId = "agent-app";
const appSecret = "agent-app-secret";
const otherAppId = "other-app";
const otherAppSecret = "other-app-secret";
const redirectUri = "http://127.0.0.1:9/callback";
const tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
const accessTokenType = "urn:ietf:params:oauth:token-type:access_token";

const definition: WorkspaceDefinition = {
  workspaceId: "42",
  users: [
    { userName: "alice@example.com", displayName: "Alice", groups: [] },
    { userName: "bob@example.com", displayName: "Bob <b>", groups: [] },
  ],
  groups: [],
  servicePrincipals: [
    { applicationId: appId, displayName: "Agent", clientSecret: appSecret },
    {
      applicationId: otherAppId,
      displayName: "Other",
      clientSecret: otherAppSecret,
    },
  ],
  tables: [],
  grants: [],
  rowFilters: [],
  genieSpaces: [],
  servingEndpoints: [],
  warehouses: [],
};

let server: ServerType;
let url: string;
let tokens: TokenService;

beforeAll(async () => {
  let app: Hono<LocalWorkspaceEnv> | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve(
      {
        fetch: (request) =>
          app?.fetch(request) ?? new Response("starting", { status: 503 }),
        hostname: "127.0.0.1",
        port: 0,
      },
      (info) => resolve(info.port),
    );
  });
  url = `http://127.0.0.1:${port}`;
  tokens = await TokenService.create(url, definition);
  const clients = new OAuthClientRegistry(definition);
  clients.registerRedirectUri(appId, redirectUri);

  app = new Hono<LocalWorkspaceEnv>();
  app.use("*", provideTokenVerifier(tokens));
  app.route("/", createOAuthRoutes(definition, tokens, clients));
  app.route("/", createScimRoutes(definition));
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    if ("closeAllConnections" in server) {
      server.closeAllConnections();
    }
    server.close(() => resolve());
  });
});

function newVerifier(): string {
  return randomBytes(32).toString("base64url");
}

function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

interface SignInOptions {
  userName?: string;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  verifier?: string;
}

function authorizeParameters(options: SignInOptions = {}): URLSearchParams {
  const parameters = new URLSearchParams({
    response_type: "code",
    client_id: options.clientId ?? appId,
    redirect_uri: options.redirectUri ?? redirectUri,
    state: "state-123",
    code_challenge: codeChallengeOf(options.verifier ?? newVerifier()),
    code_challenge_method: "S256",
  });
  if (options.scope !== undefined) {
    parameters.set("scope", options.scope);
  }
  return parameters;
}

/** Posts the sign-in form as the browser would and returns the redirect. */
async function postSignIn(
  form: URLSearchParams,
): Promise<{ status: number; location: URL | undefined }> {
  const response = await fetch(`${url}/oidc/v1/authorize`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
  const location = response.headers.get("Location");
  return {
    status: response.status,
    location: location === null ? undefined : new URL(location),
  };
}

/** Signs in through the authorization endpoint and returns the code. */
async function signIn(options: SignInOptions = {}): Promise<string> {
  const form = authorizeParameters(options);
  form.set("user_name", options.userName ?? "alice@example.com");
  const { location } = await postSignIn(form);
  const code = location?.searchParams.get("code");
  if (code === null || code === undefined) {
    throw new Error(`The sign-in returned no code: ${location}`);
  }
  return code;
}

async function requestToken(
  fields: Record<string, string>,
  authorization: string | null = basic(appId, appSecret),
): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${url}/oidc/v1/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(authorization === null ? {} : { Authorization: authorization }),
    },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, body: await response.json() };
}

async function redeem(
  code: string,
  verifier: string,
  overrides: Record<string, string> = {},
) {
  return requestToken({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    ...overrides,
  });
}

async function userToken(scope = "all-apis offline_access") {
  const verifier = newVerifier();
  const code = await signIn({ verifier, scope });
  return (await redeem(code, verifier)).body;
}

async function exchange(
  subjectToken: string,
  fields: Record<string, string>,
  authorization: string | null,
) {
  return requestToken(
    {
      grant_type: tokenExchange,
      subject_token: subjectToken,
      subject_token_type: accessTokenType,
      ...fields,
    },
    authorization,
  );
}

describe("discovery", () => {
  it("lists the code flow, exchange and client methods", async () => {
    const response = await fetch(
      `${url}/oidc/.well-known/oauth-authorization-server`,
    );
    const document = await response.json();

    expect(document.code_challenge_methods_supported).toEqual(["S256"]);
    expect(document.grant_types_supported).toEqual(
      expect.arrayContaining([
        "authorization_code",
        "refresh_token",
        "client_credentials",
        tokenExchange,
      ]),
    );
    expect(document.token_endpoint_auth_methods_supported).toEqual([
      "client_secret_basic",
      "client_secret_post",
      "none",
    ]);
    expect(document.authorization_endpoint).toBe(`${url}/oidc/v1/authorize`);
  });
});

describe("authorization endpoint", () => {
  it("shows a sign-in page listing the users", async () => {
    const response = await fetch(
      `${url}/oidc/v1/authorize?${authorizeParameters()}`,
    );
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(page).toContain('value="alice@example.com"');
    expect(page).toContain("Bob &lt;b&gt;");
    expect(page).not.toContain("Bob <b>");
  });

  it("redirects with the code and the state", async () => {
    const form = authorizeParameters();
    form.set("user_name", "alice@example.com");

    const { status, location } = await postSignIn(form);

    expect(status).toBe(303);
    expect(location?.origin + (location?.pathname ?? "")).toBe(redirectUri);
    expect(location?.searchParams.get("state")).toBe("state-123");
    expect(location?.searchParams.get("code")).toMatch(/^[\w-]{43}$/);
  });

  it("redirects access_denied on cancel", async () => {
    const form = authorizeParameters();
    form.set("decision", "deny");

    const { location } = await postSignIn(form);

    expect(location?.searchParams.get("error")).toBe("access_denied");
    expect(location?.searchParams.get("state")).toBe("state-123");
    expect(location?.searchParams.has("code")).toBe(false);
  });

  it("rejects an unknown user on the page", async () => {
    const form = authorizeParameters();
    form.set("user_name", "mallory@example.com");

    const { status, location } = await postSignIn(form);

    expect(status).toBe(400);
    expect(location).toBeUndefined();
  });

  it("does not redirect for an unknown client", async () => {
    const response = await fetch(
      `${url}/oidc/v1/authorize?${authorizeParameters({ clientId: "mallory-app" })}`,
      { redirect: "manual" },
    );

    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.json()).toMatchObject({
      error: "invalid_request",
      error_description: expect.stringMatching(/Unknown client_id/),
    });
  });

  it("does not redirect to an unregistered URI", async () => {
    const response = await fetch(
      `${url}/oidc/v1/authorize?${authorizeParameters({ redirectUri: "http://evil.example/callback" })}`,
      { redirect: "manual" },
    );

    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect((await response.json()).error_description).toMatch(
      /not registered for client "agent-app"/,
    );
  });

  it.each([
    ["without PKCE", { code_challenge: "" }, "invalid_request"],
    [
      "with the plain method",
      { code_challenge_method: "plain" },
      "invalid_request",
    ],
    [
      "with a token response type",
      { response_type: "token" },
      "unsupported_response_type",
    ],
    ["with a malformed scope", { scope: "all-apis <script>" }, "invalid_scope"],
  ])("redirects an error %s", async (_case, changes, error) => {
    const parameters = authorizeParameters();
    for (const [name, value] of Object.entries(changes)) {
      parameters.set(name, value);
    }

    const response = await fetch(`${url}/oidc/v1/authorize?${parameters}`, {
      redirect: "manual",
    });
    const location = new URL(response.headers.get("location") ?? "");

    expect(response.status).toBe(302);
    expect(location.searchParams.get("error")).toBe(error);
    expect(location.searchParams.get("state")).toBe("state-123");
  });
});

describe("authorization code grant", () => {
  it("issues a verified user token and a refresh token", async () => {
    const verifier = newVerifier();
    const code = await signIn({ verifier });

    const { status, body } = await redeem(code, verifier);
    const keys = await (await fetch(`${url}/oidc/v1/keys`)).json();
    const { payload } = await jwtVerify(
      body.access_token ?? "",
      createLocalJWKSet(keys),
      { issuer: `${url}/oidc`, audience: url },
    );

    expect(status).toBe(200);
    expect(body.token_type).toBe("Bearer");
    expect(body.scope).toBe("all-apis");
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(payload.sub).toBe("alice@example.com");
    expect(payload.scope).toBe("all-apis");
    expect(payload.client_id).toBe(appId);
  });

  it("issues no refresh token without offline_access", async () => {
    const body = await userToken("all-apis");

    expect(body.access_token).toEqual(expect.any(String));
    expect(body.refresh_token).toBeUndefined();
  });

  it("rejects a wrong verifier", async () => {
    const code = await signIn({ verifier: newVerifier() });

    const { status, body } = await redeem(code, newVerifier());

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_grant");
    expect(body.error_description).toMatch(/does not match the code_challenge/);
  });

  it("rejects a reused code and revokes its refresh token", async () => {
    const verifier = newVerifier();
    const code = await signIn({ verifier });
    const first = await redeem(code, verifier);

    const second = await redeem(code, verifier);
    const refresh = await requestToken({
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token ?? "",
    });

    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect(second.body.error_description).toMatch(/already used/);
    expect(refresh.body.error).toBe("invalid_grant");
  });

  it("rejects a wrong redirect URI", async () => {
    const verifier = newVerifier();
    const code = await signIn({ verifier });

    const { status, body } = await redeem(code, verifier, {
      redirect_uri: "http://127.0.0.1:9/elsewhere",
    });

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_grant");
    expect(body.error_description).toMatch(/redirect_uri must be identical/);
  });

  it("rejects an unknown client", async () => {
    const verifier = newVerifier();
    const code = await signIn({ verifier });

    const { status, body } = await requestToken(
      {
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
      basic("mallory-app", "guess"),
    );

    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });

  it("rejects a code issued to another client", async () => {
    const verifier = newVerifier();
    const code = await signIn({ verifier });

    const { status, body } = await requestToken(
      {
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
      basic(otherAppId, otherAppSecret),
    );

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_grant");
    expect(body.error_description).toMatch(/another client/);
  });

  it("requires the secret of a confidential client", async () => {
    const verifier = newVerifier();
    const code = await signIn({ verifier });

    const { status, body } = await requestToken(
      {
        grant_type: "authorization_code",
        client_id: appId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
      null,
    );

    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });

  it("lets the public CLI client sign in on any loopback port", async () => {
    const verifier = newVerifier();
    const cliRedirect = "http://localhost:53127";
    const code = await signIn({
      verifier,
      clientId: "databricks-cli",
      redirectUri: cliRedirect,
    });

    const { status, body } = await requestToken(
      {
        grant_type: "authorization_code",
        client_id: "databricks-cli",
        code,
        redirect_uri: cliRedirect,
        code_verifier: verifier,
      },
      null,
    );

    expect(status).toBe(200);
    expect(decodeJwt(body.access_token ?? "").client_id).toBe("databricks-cli");
  });
});

describe("refresh token grant", () => {
  it("rotates the refresh token", async () => {
    const signedIn = await userToken();

    const refreshed = await requestToken({
      grant_type: "refresh_token",
      refresh_token: signedIn.refresh_token ?? "",
    });
    const replayed = await requestToken({
      grant_type: "refresh_token",
      refresh_token: signedIn.refresh_token ?? "",
    });

    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token ?? "").sub).toBe(
      "alice@example.com",
    );
    expect(refreshed.body.refresh_token).not.toBe(signedIn.refresh_token);
    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe("invalid_grant");
  });

  it("rejects a scope wider than the sign-in", async () => {
    const signedIn = await userToken("sql offline_access");

    const { status, body } = await requestToken({
      grant_type: "refresh_token",
      refresh_token: signedIn.refresh_token ?? "",
      scope: "sql genie",
    });

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_scope");
  });
});

describe("token exchange", () => {
  it("narrows scopes and names the client as actor", async () => {
    const subject = await userToken();
    const subjectClaims = decodeJwt(subject.access_token ?? "");

    const { status, body } = await exchange(
      subject.access_token ?? "",
      { scope: "dashboards.genie sql" },
      basic(appId, appSecret),
    );
    const claims = decodeJwt(body.access_token ?? "");

    expect(status).toBe(200);
    expect(body.issued_token_type).toBe(accessTokenType);
    expect(body.scope).toBe("dashboards.genie sql");
    expect(claims.sub).toBe("alice@example.com");
    expect(claims.scope).toBe("dashboards.genie sql");
    expect(claims.act).toEqual({ sub: appId });
    expect(claims.aud).toBe(url);
    expect(claims.iss).toBe(`${url}/oidc`);
    expect(claims.exp).toBeLessThanOrEqual(subjectClaims.exp ?? 0);
  });

  it("issues a token the workspace accepts", async () => {
    const subject = await userToken();
    const { body } = await exchange(
      subject.access_token ?? "",
      { scope: "sql" },
      basic(appId, appSecret),
    );

    const response = await fetch(`${url}/api/2.0/preview/scim/v2/Me`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });

    expect(response.status).toBe(200);
    expect((await response.json()).userName).toBe("alice@example.com");
  });

  it("rejects a scope the subject lacks", async () => {
    const subject = await userToken("genie offline_access");

    const { status, body } = await exchange(
      subject.access_token ?? "",
      { scope: "genie sql" },
      basic(appId, appSecret),
    );

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_scope");
    expect(body.error_description).toMatch(/does not have the scope "sql"/);
  });

  it("rejects all-apis from a narrower subject", async () => {
    const subject = await userToken("genie");

    const { body } = await exchange(
      subject.access_token ?? "",
      { scope: "all-apis" },
      basic(appId, appSecret),
    );

    expect(body.error).toBe("invalid_scope");
  });

  it("keeps the subject's scopes without a scope parameter", async () => {
    const subject = await userToken("genie sql");

    const { body } = await exchange(
      subject.access_token ?? "",
      {},
      basic(appId, appSecret),
    );

    expect(body.scope).toBe("genie sql");
  });

  it("nests the earlier actor", async () => {
    const subject = await userToken();
    const first = await exchange(
      subject.access_token ?? "",
      { scope: "sql" },
      basic(appId, appSecret),
    );

    const second = await exchange(
      first.body.access_token ?? "",
      { scope: "sql" },
      basic(otherAppId, otherAppSecret),
    );

    expect(decodeJwt(second.body.access_token ?? "").act).toEqual({
      sub: otherAppId,
      act: { sub: appId },
    });
  });

  it("requires client authentication", async () => {
    const subject = await userToken();

    const anonymous = await exchange(subject.access_token ?? "", {}, null);
    const publicClient = await exchange(
      subject.access_token ?? "",
      { client_id: "databricks-cli" },
      null,
    );

    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe("invalid_client");
    expect(publicClient.status).toBe(401);
    expect(publicClient.body.error).toBe("invalid_client");
  });

  it("rejects a service principal's token", async () => {
    const machine = await requestToken({ grant_type: "client_credentials" });

    const { status, body } = await exchange(
      machine.body.access_token ?? "",
      {},
      basic(appId, appSecret),
    );

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_request");
    expect(body.error_description).toMatch(/service principal/);
  });

  it("rejects a forged subject token", async () => {
    const { status, body } = await exchange(
      "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZUBleGFtcGxlLmNvbSJ9.",
      {},
      basic(appId, appSecret),
    );

    expect(status).toBe(400);
    expect(body.error).toBe("invalid_request");
  });

  it("rejects another audience", async () => {
    const subject = await userToken();

    const { body } = await exchange(
      subject.access_token ?? "",
      { audience: "https://other.example" },
      basic(appId, appSecret),
    );

    expect(body.error).toBe("invalid_target");
  });

  it("rejects another subject token type", async () => {
    const subject = await userToken();

    const { body } = await exchange(
      subject.access_token ?? "",
      { subject_token_type: "urn:ietf:params:oauth:token-type:jwt" },
      basic(appId, appSecret),
    );

    expect(body.error).toBe("invalid_request");
  });
});

describe("token endpoint", () => {
  it("rejects an unknown grant type, prototype names included", async () => {
    for (const grantType of ["password", "constructor", "__proto__"]) {
      const { status, body } = await requestToken({ grant_type: grantType });

      expect(status).toBe(400);
      expect(body.error).toBe("unsupported_grant_type");
    }
  });
});
