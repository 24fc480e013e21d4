import { afterEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type Responder,
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import {
  AuthenticationError,
  MissingScopeError,
  NotFoundError,
  RateLimitError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { WorkspaceClient } from "./workspace-client.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(
  responder: Responder,
  maxAttempts = 4,
): Promise<WorkspaceClient> {
  server = await startScriptedServer(responder);
  return new WorkspaceClient({
    host: server.url,
    authorization: () => "Bearer user-token",
    baseRetryDelayMilliseconds: 1,
    maxRetryDelayMilliseconds: 5,
    maxAttempts,
  });
}

const options = { service: "Genie", operation: "test call" };

describe("WorkspaceClient retries", () => {
  it("retries a GET after 503", async () => {
    const client = await clientFor((_request, index) =>
      index === 0
        ? {
            status: 503,
            body: { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" },
          }
        : { body: { ok: 1 } },
    );
    await expect(client.get("/api/2.0/thing", options)).resolves.toEqual({
      ok: 1,
    });
    expect(server?.requests).toHaveLength(2);
  });

  it("waits for Retry-After on 429", async () => {
    const client = await clientFor((_request, index) =>
      index === 0
        ? {
            status: 429,
            body: loadFixture("error-rate-limited"),
            headers: { "Retry-After": "1" },
          }
        : { body: { ok: 1 } },
    );
    const started = Date.now();
    await client.get("/api/2.0/thing", options);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("gives up after the attempt limit", async () => {
    const client = await clientFor(() => ({
      status: 500,
      body: { error_code: "INTERNAL_ERROR", message: "x" },
    }));
    await expect(client.get("/api/2.0/thing", options)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(server?.requests).toHaveLength(4);
  });

  it("never retries a POST after a 500", async () => {
    const client = await clientFor(() => ({
      status: 500,
      body: { error_code: "INTERNAL_ERROR", message: "x" },
    }));
    await expect(
      client.post("/api/2.0/thing", {}, options),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(server?.requests).toHaveLength(1);
  });

  it("retries a POST after 429", async () => {
    const client = await clientFor((_request, index) =>
      index === 0
        ? { status: 429, body: loadFixture("error-rate-limited") }
        : { body: { ok: 1 } },
    );
    await expect(
      client.post("/api/2.0/thing", { a: 1 }, options),
    ).resolves.toEqual({ ok: 1 });
    expect(server?.requests).toHaveLength(2);
  });

  it("retries a POST whose connection was refused", async () => {
    const closed = await startScriptedServer(() => ({ body: {} }));
    const url = closed.url;
    await closed.close();
    const client = new WorkspaceClient({
      host: url,
      authorization: () => "Bearer t",
      baseRetryDelayMilliseconds: 1,
      maxAttempts: 2,
    });
    await expect(
      client.post("/api/2.0/thing", {}, options),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe("WorkspaceClient errors", () => {
  it.each([
    [401, "error-unauthenticated", AuthenticationError],
    [403, "error-missing-scope", MissingScopeError],
    [404, "error-resource-does-not-exist", NotFoundError],
    [429, "error-rate-limited", RateLimitError],
  ] as const)(
    "maps HTTP %i to a typed error",
    async (status, fixture, errorClass) => {
      const client = await clientFor(
        () => ({ status, body: loadFixture(fixture) }),
        1,
      );
      await expect(
        client.get("/api/2.0/thing", options),
      ).rejects.toBeInstanceOf(errorClass);
    },
  );

  it("names the missing scope", async () => {
    const client = await clientFor(() => ({
      status: 403,
      body: loadFixture("error-missing-scope"),
    }));
    await expect(client.get("/api/2.0/thing", options)).rejects.toMatchObject({
      missingScopes: ["genie"],
    });
  });
});

describe("WorkspaceClient credential", () => {
  it("sends the credential in the Authorization header only", async () => {
    const client = await clientFor(() => ({ body: {} }));
    await client.get("/api/2.0/thing", {
      ...options,
      query: { page_size: 10 },
    });
    const request = server?.requests[0];
    expect(request?.headers.authorization).toBe("Bearer user-token");
    expect(request?.query).toBe("?page_size=10");
  });

  it("refuses paths that leave the workspace origin", async () => {
    const client = await clientFor(() => ({ body: {} }));
    await expect(client.get("//evil.example/steal", options)).rejects.toThrow(
      /must start with one/,
    );
    expect(server?.requests).toHaveLength(0);
  });
});
