import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { askAgent } from "../../src/cli/agent-client.js";
import { type DemoStack, startDemoStack } from "../helpers/demo-stack.js";

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack();
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
});

const question = "How many flights departed from SFO?";

function bearerOf(headers: Record<string, string>): string | undefined {
  const value = headers.authorization ?? headers.Authorization;
  return value?.startsWith("Bearer ")
    ? value.slice("Bearer ".length)
    : undefined;
}

function subjectOf(token: string): string | undefined {
  try {
    return JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString(),
    ).sub;
  } catch {
    return undefined;
  }
}

async function postResponses(
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${stack.agentUrl}/responses`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ input: [{ role: "user", content: question }] }),
  });
}

describe("which identity reaches which API", () => {
  it("keeps user and app tokens apart", async () => {
    const userTokens = [
      await stack.tokenFor("alice@example.com"),
      await stack.tokenFor("bob@example.com"),
    ];
    for (const token of userTokens) {
      const answer = await askAgent({ url: stack.agentUrl, token, question });
      expect(answer.error).toBeUndefined();
    }

    const records = stack.workspace.recorder.records;
    const serving = records.filter((record) =>
      record.path.startsWith("/serving-endpoints"),
    );
    const genie = records.filter((record) =>
      record.path.startsWith("/api/2.0/genie"),
    );
    expect(serving.length).toBeGreaterThanOrEqual(4);
    expect(genie.length).toBeGreaterThanOrEqual(6);

    const servicePrincipal = stack.workspace.servicePrincipal.clientId;
    const appTokens = new Set(
      serving.map((record) => bearerOf(record.headers)),
    );
    for (const appToken of appTokens) {
      expect(appToken).toBeDefined();
      expect(subjectOf(appToken ?? "")).toBe(servicePrincipal);
    }
    for (const record of serving) {
      const everything = JSON.stringify(record);
      for (const token of userTokens) {
        expect(everything).not.toContain(token);
      }
    }
    for (const record of genie) {
      const bearer = bearerOf(record.headers) ?? "";
      expect(userTokens).toContain(bearer);
      expect(appTokens.has(bearer)).toBe(false);
    }
  });
});

describe("requests without a usable user credential", () => {
  it("get 401 and cause no upstream call", async () => {
    const response = await postResponses({});
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({
      error_code: "UNAUTHENTICATED",
    });
    expect(stack.workspace.recorder.records).toHaveLength(0);
  });

  it("ignore spoofed x-forwarded identity headers", async () => {
    const response = await postResponses({
      "x-forwarded-email": "carol@example.com",
      "x-forwarded-user": "carol@example.com",
      "x-forwarded-access-token": await stack.tokenFor("carol@example.com"),
    });
    expect(response.status).toBe(401);
    expect(
      stack.workspace.recorder.records.filter(
        (record) => record.path !== "/local/api/tokens",
      ),
    ).toHaveLength(0);
  });

  it("reject an expired token before any data call", async () => {
    const token = await stack.tokenFor("alice@example.com", {
      lifetimeSeconds: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    stack.workspace.recorder.clear();
    const response = await postResponses({ Authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(stack.workspace.recorder.records).toHaveLength(0);
  });

  it("reject a token that expires within a minute", async () => {
    const token = await stack.tokenFor("alice@example.com", {
      lifetimeSeconds: 30,
    });
    stack.workspace.recorder.clear();
    const response = await postResponses({ Authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      message: expect.stringContaining("within 60 seconds"),
    });
    expect(stack.workspace.recorder.records).toHaveLength(0);
  });

  it("reject a token the workspace does not know, without falling back", async () => {
    const response = await postResponses({
      Authorization: "Bearer not-a-real-token",
    });
    expect(response.status).toBe(401);
    const paths = stack.workspace.recorder.records.map((record) => record.path);
    expect(paths).toEqual(["/api/2.0/preview/scim/v2/Me"]);
  });
});

describe("oversized requests", () => {
  it("get 413 before any upstream call", async () => {
    const token = await stack.tokenFor("alice@example.com");
    stack.workspace.recorder.clear();
    const response = await fetch(`${stack.agentUrl}/responses`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ input: "x".repeat(1_100_000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      message: expect.stringContaining("server.maxRequestBytes"),
    });
    expect(stack.workspace.recorder.records).toHaveLength(0);
  });
});
