import { Hono } from "hono";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalWorkspaceEnv, WorkspaceDefinition } from "../contracts.js";
import { provideTokenVerifier, requireToken } from "./require-token.js";
import { hasAnyRequiredScope } from "./scopes.js";
import { TokenService } from "./token-service.js";

const workspaceUrl = "http://127.0.0.1:9";

const definition: WorkspaceDefinition = {
  workspaceId: "42",
  users: [
    {
      userName: "alice@example.com",
      displayName: "Alice",
      groups: ["pilots"],
    },
  ],
  groups: [{ name: "pilots", groups: ["crew"] }, { name: "crew" }],
  servicePrincipals: [
    { applicationId: "agent-app", displayName: "Agent", clientSecret: "s" },
  ],
  tables: [],
  grants: [],
  rowFilters: [],
  genieSpaces: [],
  servingEndpoints: [],
  warehouses: [],
};

let tokens: TokenService;
let app: Hono<LocalWorkspaceEnv>;

beforeAll(async () => {
  tokens = await TokenService.create(workspaceUrl, definition);
  app = new Hono<LocalWorkspaceEnv>();
  app.use("*", provideTokenVerifier(tokens));
  app.get("/genie", requireToken(["genie"]), (context) =>
    context.json(context.get("principal")),
  );
  app.get("/serving", requireToken(["model-serving"]), (context) =>
    context.text("ok"),
  );
  app.get("/sql", requireToken(["sql"]), (context) => context.text("ok"));
  app.get("/any", requireToken("any"), (context) => context.text("ok"));
});

async function tokenFor(
  subject: string,
  scopes: string[] = ["all-apis"],
  lifetimeSeconds?: number,
): Promise<string> {
  const issued = await tokens.issue({
    subject,
    scopes,
    clientId: "test",
    lifetimeSeconds,
  });
  return issued.accessToken;
}

async function call(path: string, authorization?: string) {
  const headers: Record<string, string> =
    authorization === undefined ? {} : { Authorization: authorization };
  const response = await app.request(path, { headers });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get("WWW-Authenticate"),
    body: text.startsWith("{") ? JSON.parse(text) : text,
  };
}

describe("requireToken rejections", () => {
  it("rejects a missing header", async () => {
    const { status, challenge, body } = await call("/genie");

    expect(status).toBe(401);
    expect(challenge).toBe('Bearer realm="local-workspace"');
    expect(body.error_code).toBe("UNAUTHENTICATED");
    expect(body.message).toMatch(/no Authorization header/);
  });

  it("rejects a header without Bearer", async () => {
    const { status, body } = await call(
      "/genie",
      `Token ${await tokenFor("alice@example.com")}`,
    );

    expect(status).toBe(401);
    expect(body.message).toMatch(/not of the form `Bearer <token>`/);
  });

  it("rejects an unknown token", async () => {
    const { status, body } = await call(
      "/genie",
      "Bearer dapi0123456789abcdef",
    );

    expect(status).toBe(401);
    expect(body.message).toMatch(/malformed/);
  });

  it("rejects an expired token", async () => {
    const token = await tokenFor("alice@example.com", ["all-apis"], 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const { status, challenge, body } = await call("/genie", `Bearer ${token}`);

    expect(status).toBe(401);
    expect(challenge).toMatch(/error="invalid_token"/);
    expect(body).toEqual({
      error_code: "UNAUTHENTICATED",
      message: "The bearer token has expired. Request a new token.",
    });
  });

  it("rejects a token signed by another key", async () => {
    const otherService = await TokenService.create(workspaceUrl, definition);
    const forged = await otherService.issue({
      subject: "alice@example.com",
      scopes: ["all-apis"],
      clientId: "test",
    });

    const { status, body } = await call(
      "/genie",
      `Bearer ${forged.accessToken}`,
    );

    expect(status).toBe(401);
    expect(body.message).toMatch(/signature does not match/);
  });

  it("rejects a tampered payload", async () => {
    const [header, , signature] = (await tokenFor("alice@example.com")).split(
      ".",
    );
    const payload = Buffer.from(
      JSON.stringify({ sub: "agent-app", scope: "all-apis" }),
    ).toString("base64url");

    const { status } = await call(
      "/genie",
      `Bearer ${header}.${payload}.${signature}`,
    );

    expect(status).toBe(401);
  });

  it("rejects a token for another workspace", async () => {
    const otherWorkspace = await TokenService.create(
      "http://127.0.0.1:10",
      definition,
    );
    const token = await otherWorkspace.issue({
      subject: "alice@example.com",
      scopes: ["all-apis"],
      clientId: "test",
    });

    const { status } = await call("/genie", `Bearer ${token.accessToken}`);

    expect(status).toBe(401);
  });

  it("rejects an unsigned token", async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(
      JSON.stringify({
        sub: "alice@example.com",
        iss: tokens.issuer,
        aud: workspaceUrl,
      }),
    ).toString("base64url")}.`;

    const { status } = await call("/genie", `Bearer ${unsigned}`);

    expect(status).toBe(401);
  });

  it("rejects a token signed with HS256", async () => {
    // A symmetric algorithm must not pass, whatever the key.
    const token = await new SignJWT({ scope: "genie" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice@example.com")
      .sign(new TextEncoder().encode("x".repeat(32)));

    const { status } = await call("/genie", `Bearer ${token}`);

    expect(status).toBe(401);
  });

  it("rejects a subject the workspace does not know", async () => {
    const { status, body } = await call(
      "/genie",
      `Bearer ${await tokenFor("mallory@example.com")}`,
    );

    expect(status).toBe(401);
    expect(body.message).toMatch(
      /'mallory@example.com' is not a user or service principal/,
    );
  });

  it("rejects a token without the scope, naming it", async () => {
    const { status, challenge, body } = await call(
      "/genie",
      `Bearer ${await tokenFor("alice@example.com", ["sql"])}`,
    );

    expect(status).toBe(403);
    expect(challenge).toMatch(/error="insufficient_scope", scope="genie"/);
    expect(body).toEqual({
      error_code: "PERMISSION_DENIED",
      message: "Provided OAuth token does not have required scopes: genie",
    });
  });
});

describe("requireToken acceptance", () => {
  it("sets the principal with nested groups", async () => {
    const { status, body } = await call(
      "/genie",
      `Bearer ${await tokenFor("alice@example.com", ["genie"])}`,
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: "user",
      userName: "alice@example.com",
      displayName: "Alice",
      groups: ["pilots", "crew"],
      scopes: ["genie"],
    });
  });

  it("identifies a service principal by application id", async () => {
    const { body } = await call(
      "/genie",
      `Bearer ${await tokenFor("agent-app")}`,
    );

    expect(body).toMatchObject({
      kind: "service_principal",
      userName: "agent-app",
    });
  });

  it.each([
    ["/genie", "dashboards.genie"],
    ["/genie", "all-apis"],
    ["/serving", "serving.serving-endpoints"],
    ["/serving", "model-serving"],
    ["/sql", "sql.statement-execution"],
    ["/sql", "sql.*"],
    ["/any", "files.files"],
  ])("lets %s through with scope %s", async (path, scope) => {
    const { status } = await call(
      path,
      `Bearer ${await tokenFor("alice@example.com", [scope])}`,
    );

    expect(status).toBe(200);
  });
});

describe("hasAnyRequiredScope", () => {
  it("needs only one of several scopes", () => {
    expect(hasAnyRequiredScope(["sql"], ["genie", "sql"])).toBe(true);
  });

  it("treats aliases as equal in both directions", () => {
    expect(hasAnyRequiredScope(["genie"], ["dashboards.genie"])).toBe(true);
    expect(
      hasAnyRequiredScope(["serving.serving-endpoints"], ["model-serving"]),
    ).toBe(true);
  });

  it("does not stretch one scope to another", () => {
    expect(hasAnyRequiredScope(["sql"], ["genie"])).toBe(false);
  });
});
