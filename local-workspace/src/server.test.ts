import { Writable } from "node:stream";
import { Hono } from "hono";
import { createLocalJWKSet, jwtVerify } from "jose";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUnexpectedErrorHandler } from "./http/fallback-handlers.js";
import { type LocalWorkspace, startLocalWorkspace } from "./server.js";

const agentId = "6f1c0d52-4b7e-4d0e-9a51-3c2b7f5e8a10";
const logLines: string[] = [];
const logger = pino(
  { level: "info" },
  new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  }),
);

let workspace: LocalWorkspace;

beforeAll(async () => {
  workspace = await startLocalWorkspace({ port: 0, logger });
}, 60_000);

afterAll(async () => {
  await workspace?.close();
});

beforeEach(() => {
  workspace.recorder.clear();
});

async function requestToken(
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${workspace.url}/oidc/v1/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body,
  });
  return { status: response.status, body: await response.json() };
}

function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

async function me(token: string): Promise<Response> {
  return fetch(`${workspace.url}/api/2.0/preview/scim/v2/Me`, {
    headers: { Authorization: `Bearer ${token}` },
  });
}

describe("server start", () => {
  it("listens on 127.0.0.1 with a free port", () => {
    expect(workspace.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(workspace.servicePrincipal.clientId).toBe(agentId);
  });

  it("answers unknown routes with ENDPOINT_NOT_FOUND", async () => {
    const response = await fetch(`${workspace.url}/api/2.0/nothing-here`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error_code: "ENDPOINT_NOT_FOUND",
      message:
        "No API found for 'GET /api/2.0/nothing-here'. Check the method and path.",
    });
  });
});

describe("OAuth discovery", () => {
  it("publishes the endpoints under the workspace URL", async () => {
    const response = await fetch(
      `${workspace.url}/oidc/.well-known/oauth-authorization-server`,
    );
    const document = await response.json();

    expect(document).toMatchObject({
      issuer: `${workspace.url}/oidc`,
      authorization_endpoint: `${workspace.url}/oidc/v1/authorize`,
      token_endpoint: `${workspace.url}/oidc/v1/token`,
      jwks_uri: `${workspace.url}/oidc/v1/keys`,
      grant_types_supported: expect.arrayContaining(["client_credentials"]),
    });
  });

  it("serves keys that verify issued tokens", async () => {
    const keys = await (await fetch(`${workspace.url}/oidc/v1/keys`)).json();
    const token = await workspace.issueToken("alice@example.com", {
      scopes: ["genie", "sql"],
    });

    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(keys),
      { issuer: `${workspace.url}/oidc`, audience: workspace.url },
    );

    expect(protectedHeader.alg).toBe("ES256");
    expect(payload).toMatchObject({
      sub: "alice@example.com",
      scope: "genie sql",
      client_id: expect.any(String),
    });
    expect(payload.jti).toEqual(expect.any(String));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });
});

describe("client credentials", () => {
  it("issues a token with HTTP Basic and the default scope", async () => {
    const { status, body } = await requestToken(
      "grant_type=client_credentials",
      {
        Authorization: basic(agentId, workspace.servicePrincipal.clientSecret),
      },
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 3600,
      scope: "all-apis",
    });
  });

  it("issues a token with form fields and a requested scope", async () => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: agentId,
      client_secret: workspace.servicePrincipal.clientSecret,
      scope: "model-serving sql",
    });

    const { status, body } = await requestToken(form.toString());

    expect(status).toBe(200);
    expect(body.scope).toBe("model-serving sql");
    const response = await me(String(body.access_token));
    expect(response.status).toBe(200);
  });

  it("rejects a wrong secret", async () => {
    const { status, body } = await requestToken(
      "grant_type=client_credentials",
      { Authorization: basic(agentId, "wrong") },
    );

    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });

  it("rejects a request without client credentials", async () => {
    const { status, body } = await requestToken(
      "grant_type=client_credentials",
    );

    expect(status).toBe(401);
    expect(body).toMatchObject({
      error: "invalid_client",
      error_description: expect.stringMatching(/missing/),
    });
  });

  it("rejects other grant types", async () => {
    const { status, body } = await requestToken("grant_type=password", {
      Authorization: basic(agentId, workspace.servicePrincipal.clientSecret),
    });

    expect(status).toBe(400);
    expect(body.error).toBe("unsupported_grant_type");
  });
});

describe("local sign-in", () => {
  it("issues a user token with chosen scopes and lifetime", async () => {
    const response = await fetch(`${workspace.url}/local/api/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        userName: "bob@example.com",
        scopes: ["genie"],
        lifetimeSeconds: 60,
      }),
    });
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 60,
      scope: "genie",
    });
  });

  it("names the unknown user and lists the known ones", async () => {
    const response = await fetch(`${workspace.url}/local/api/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userName: "mallory@example.com" }),
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message:
        "User 'mallory@example.com' does not exist in this workspace. Known users: alice@example.com, bob@example.com, carol@example.com, dave@example.com, erin@example.com.",
    });
  });
});

describe("SCIM Me", () => {
  it("describes a user with the org id header", async () => {
    const response = await me(
      await workspace.issueToken("carol@example.com", { scopes: ["sql"] }),
    );
    const user = await response.json();

    expect(response.status).toBe(200);
    expect(response.headers.get("x-databricks-org-id")).toBe(
      "1234567890123456",
    );
    expect(user).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      id: expect.stringMatching(/^\d+$/),
      userName: "carol@example.com",
      displayName: "Carol All Regions",
      active: true,
      emails: [{ value: "carol@example.com", primary: true, type: "work" }],
    });
    expect(
      user.groups.map(
        (group: { display: string; value: string }) => group.display,
      ),
    ).toEqual(["All workspace users", "All regions", "Finance"]);
  });

  it("describes the service principal by application id", async () => {
    const response = await me(await workspace.issueToken(agentId));
    const user = await response.json();

    expect(response.status).toBe(200);
    expect(user).toMatchObject({
      userName: agentId,
      displayName: "behalf-agent",
    });
  });

  it("rejects a missing token", async () => {
    const response = await fetch(`${workspace.url}/api/2.0/preview/scim/v2/Me`);

    expect(response.status).toBe(401);
    expect((await response.json()).error_code).toBe("UNAUTHENTICATED");
  });
});

describe("scope checks on mounted routes", () => {
  it("refuses a Genie call without the genie scope", async () => {
    const token = await workspace.issueToken("alice@example.com", {
      scopes: ["sql"],
    });

    const response = await fetch(
      `${workspace.url}/api/2.0/genie/spaces/01f0c0ffee5ca1ab1e000000000f1a7e/start-conversation`,
      {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          content: "How many flights departed from SFO?",
        }),
      },
    );

    expect(response.status).toBe(403);
    expect((await response.json()).message).toBe(
      "Provided OAuth token does not have required scopes: genie",
    );
  });
});

describe("recorder and logs", () => {
  it("records requests with headers and body", async () => {
    const token = await workspace.issueToken("alice@example.com");
    await fetch(`${workspace.url}/local/api/tokens?source=test`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ userName: "alice@example.com" }),
    });

    const [record] = workspace.recorder.records;
    expect(workspace.recorder.records).toHaveLength(1);
    expect(record).toMatchObject({
      method: "POST",
      path: "/local/api/tokens",
      query: "source=test",
      body: '{"userName":"alice@example.com"}',
    });
    expect(record?.headers.authorization).toBe(`Bearer ${token}`);

    workspace.recorder.clear();
    expect(workspace.recorder.records).toHaveLength(0);
  });

  it("logs one line per request without the token", async () => {
    const token = await workspace.issueToken("bob@example.com");
    logLines.length = 0;

    await me(token);

    const requestLines = logLines.filter((line) => line.includes('"request"'));
    expect(requestLines).toHaveLength(1);
    expect(JSON.parse(requestLines[0] ?? "{}")).toMatchObject({
      method: "GET",
      path: "/api/2.0/preview/scim/v2/Me",
      status: 200,
      principal: "bob@example.com",
      durationMilliseconds: expect.any(Number),
    });
    expect(logLines.join("")).not.toContain(token);
  });
});

describe("unexpected errors", () => {
  it("answer 500 without a stack trace and log it redacted", async () => {
    const app = new Hono();
    app.onError(createUnexpectedErrorHandler(logger));
    app.get("/boom", () => {
      throw new Error("failed with Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl");
    });
    logLines.length = 0;

    const response = await app.request("/boom");
    const body = await response.json();

    expect(response.status).toBe(500);
    expect(body).toEqual({
      error_code: "INTERNAL_ERROR",
      message:
        "The local workspace failed to handle the request; its log has the details.",
    });
    expect(logLines.join("")).toContain("Bearer [REDACTED]");
    expect(logLines.join("")).not.toContain("eyJzdWIiOi");
  });
});
