import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type Responder,
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import {
  AuthenticationError,
  DeadlineExceededError,
  MissingScopeError,
  NotFoundError,
  RateLimitError,
  UpstreamError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { getCurrentUser } from "./scim.js";
import { WorkspaceClient } from "./workspace-client.js";

let server: ScriptedServer | undefined;
let rawServer: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise(
    (resolve) => rawServer?.close(resolve) ?? resolve(undefined),
  );
  rawServer = undefined;
});

/** A JWT-shaped token whose `exp` lies `secondsFromNow` ahead; the signature is not checked. */
function jwtExpiringIn(secondsFromNow: number): string {
  const payload = Buffer.from(
    JSON.stringify({
      sub: "alice@example.com",
      exp: Math.floor(Date.now() / 1000) + secondsFromNow,
    }),
  ).toString("base64url");
  return `eyJhbGciOiJSUzI1NiJ9.${payload}.c2lnbmF0dXJl`;
}

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

describe("WorkspaceClient time limits", () => {
  it("retries a GET that timed out", async () => {
    const client = await clientFor((_request, index) =>
      index === 0 ? { body: { late: true }, delay: 500 } : { body: { ok: 1 } },
    );
    const quick = new WorkspaceClient({
      host: client.host,
      authorization: () => "Bearer user-token",
      baseRetryDelayMilliseconds: 1,
      requestTimeoutMilliseconds: 150,
    });
    await expect(quick.get("/api/2.0/thing", options)).resolves.toEqual({
      ok: 1,
    });
    expect(server?.requests).toHaveLength(2);
  });

  it("sends nothing once the deadline has passed", async () => {
    const client = await clientFor(() => ({ body: {} }));
    await expect(
      client.get("/api/2.0/thing", { ...options, deadline: Date.now() - 1 }),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(server?.requests).toHaveLength(0);
  });

  it("does not wait for a Retry-After past the deadline", async () => {
    const client = await clientFor(() => ({
      status: 429,
      body: loadFixture("error-rate-limited"),
      headers: { "Retry-After": "30" },
    }));
    const started = Date.now();
    await expect(
      client.get("/api/2.0/thing", { ...options, deadline: Date.now() + 2000 }),
    ).rejects.toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 30 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server?.requests).toHaveLength(1);
  });
});

describe("WorkspaceClient token expiry", () => {
  async function clientWithToken(token: string): Promise<WorkspaceClient> {
    server = await startScriptedServer(() => ({ body: {} }));
    return new WorkspaceClient({
      host: server.url,
      authorization: () => `Bearer ${token}`,
    });
  }

  it("refuses a JWT that expires within 60 s", async () => {
    const client = await clientWithToken(jwtExpiringIn(45));
    const failure = client.get("/api/2.0/thing", options);
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
    await expect(failure).rejects.toThrow(/expires in 4\d s, within the 60 s/);
    expect(server?.requests).toHaveLength(0);
  });

  it("refuses an expired JWT", async () => {
    const client = await clientWithToken(jwtExpiringIn(-10));
    await expect(client.get("/api/2.0/thing", options)).rejects.toThrow(
      /has expired/,
    );
    expect(server?.requests).toHaveLength(0);
  });

  it("sends a JWT with time to spare", async () => {
    const token = jwtExpiringIn(3600);
    const client = await clientWithToken(token);
    await client.get("/api/2.0/thing", options);
    expect(server?.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe("WorkspaceClient response bodies", () => {
  async function rawClient(
    status: number,
    contentType: string,
    body: string,
  ): Promise<WorkspaceClient> {
    rawServer = createServer((_request, response) => {
      response.writeHead(status, { "Content-Type": contentType });
      response.end(body);
    });
    await new Promise<void>((resolve) =>
      rawServer?.listen(0, "127.0.0.1", resolve),
    );
    const { port } = rawServer.address() as AddressInfo;
    return new WorkspaceClient({
      host: `http://127.0.0.1:${port}`,
      authorization: () => "Bearer user-token",
      maxAttempts: 1,
    });
  }

  it("rejects a success body that is not JSON", async () => {
    const client = await rawClient(200, "text/plain", "<html>sign in</html>");
    await expect(client.get("/api/2.0/thing", options)).rejects.toBeInstanceOf(
      UpstreamError,
    );
  });

  it("reads an ERROR_CODE: message text body", async () => {
    const client = await rawClient(
      400,
      "text/plain",
      "INVALID_PARAMETER_VALUE: page_size must be at most 100",
    );
    await expect(client.get("/api/2.0/thing", options)).rejects.toMatchObject({
      details: { upstreamErrorCode: "INVALID_PARAMETER_VALUE" },
      message: expect.stringContaining("page_size must be at most 100"),
    });
  });
});

describe("SCIM Me through the client", () => {
  it("reads the current user", async () => {
    const client = await clientFor(() => ({ body: loadFixture("scim-me") }));
    await expect(getCurrentUser(client)).resolves.toEqual({
      id: "4215778821394022",
      userName: "alice@example.com",
      displayName: "Alice",
    });
    expect(server?.requests[0]?.path).toBe("/api/2.0/preview/scim/v2/Me");
  });

  it("reads a SCIM error body", async () => {
    const client = await clientFor(() => ({
      status: 401,
      body: loadFixture("scim-error"),
    }));
    const failure = getCurrentUser(client);
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
    await expect(failure).rejects.toThrow(/Credential was not sent/);
  });
});
