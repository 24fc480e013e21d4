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
  MissingScopeError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UpstreamError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { GenieClient } from "./genie.js";
import { WorkspaceClient } from "./workspace-client.js";

const spaceId = "01f0c0ffee5ca1ab1e000000000f1a7e";
const conversationId = "01f0a3c5e1d21b4a9b3f6e2d7c8a9b10";
const messageId = "01f0a3c5e1d31c5b8a4e7f3e8d9bac21";
const userToken = "user-token-for-alice";
/** A resource of another user, as a careless upstream message might name it. */
const otherUsersResource = "conversation 01f0ffff0000 of bob@example.com";

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

function genieFor(
  url: string,
  options: { maxAttempts?: number; requestTimeoutMilliseconds?: number } = {},
): GenieClient {
  return new GenieClient(
    new WorkspaceClient({
      host: url,
      authorization: () => `Bearer ${userToken}`,
      baseRetryDelayMilliseconds: 1,
      maxRetryDelayMilliseconds: 5,
      ...options,
    }),
  );
}

async function scripted(
  responder: Responder,
  options: { maxAttempts?: number; requestTimeoutMilliseconds?: number } = {},
): Promise<GenieClient> {
  server = await startScriptedServer(responder);
  return genieFor(server.url, options);
}

/** Serves a recorded non-JSON body (`{status, headers, body}`) with its own content type. */
async function rawFixture(name: string): Promise<GenieClient> {
  const recorded = loadFixture<{
    status: number;
    headers: Record<string, string>;
    body: string;
  }>(name);
  rawServer = createServer((_request, response) => {
    response.writeHead(recorded.status, recorded.headers);
    response.end(recorded.body);
  });
  await new Promise<void>((resolve) =>
    rawServer?.listen(0, "127.0.0.1", resolve),
  );
  const { port } = rawServer.address() as AddressInfo;
  return genieFor(`http://127.0.0.1:${port}`, { maxAttempts: 1 });
}

const reference = { spaceId, conversationId, messageId };

describe("GenieClient requests", () => {
  it("starts a conversation with the question", async () => {
    const genie = await scripted(() => ({
      body: loadFixture("genie-start-conversation"),
    }));
    const created = await genie.startConversation(spaceId, "How many flights?");
    expect(created).toEqual({ ...reference, status: "SUBMITTED" });
    const request = server?.requests[0];
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(
      `/api/2.0/genie/spaces/${spaceId}/start-conversation`,
    );
    expect(JSON.parse(request?.body ?? "")).toEqual({
      content: "How many flights?",
    });
  });

  it("sends a follow-up to the conversation", async () => {
    const genie = await scripted(() => ({
      body: loadFixture("genie-create-message"),
    }));
    const created = await genie.createMessage(
      spaceId,
      conversationId,
      "And in March?",
    );
    expect(created.messageId).toBe(messageId);
    expect(server?.requests[0]?.path).toBe(
      `/api/2.0/genie/spaces/${spaceId}/conversations/${conversationId}/messages`,
    );
  });

  it("encodes ids that come from a model", async () => {
    const genie = await scripted(() => ({
      body: loadFixture("genie-message-submitted"),
    }));
    await genie.getMessage({ ...reference, conversationId: "../../x?y" });
    expect(server?.requests[0]?.path).toContain(
      "/conversations/..%2F..%2Fx%3Fy/",
    );
  });

  it("rejects a start response without ids", async () => {
    const genie = await scripted(() => ({ body: {} }));
    await expect(
      genie.startConversation(spaceId, "How many flights?"),
    ).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe("GenieClient errors", () => {
  const table = [
    {
      status: 400,
      fixture: "error-invalid-parameter",
      type: UpstreamError,
      code: "UPSTREAM_ERROR",
      httpStatus: 502,
      says: "Field 'content' is required",
    },
    {
      status: 401,
      fixture: "error-unauthenticated",
      type: AuthenticationError,
      code: "UNAUTHENTICATED",
      httpStatus: 401,
      says: "Sign in again",
    },
    {
      status: 403,
      fixture: "error-missing-scope",
      type: MissingScopeError,
      code: "MISSING_SCOPE",
      httpStatus: 403,
      says: "required scopes: genie",
    },
    {
      status: 403,
      fixture: "error-invalid-scope",
      type: MissingScopeError,
      code: "MISSING_SCOPE",
      httpStatus: 403,
      says: "needs the scope genie (dashboards.genie in older workspaces)",
    },
    {
      status: 403,
      fixture: "error-permission-denied",
      type: PermissionDeniedError,
      code: "PERMISSION_DENIED",
      httpStatus: 403,
      says: "CAN RUN permission",
    },
    {
      status: 404,
      fixture: "error-resource-does-not-exist",
      type: NotFoundError,
      code: "NOT_FOUND",
      httpStatus: 404,
      says: `The Genie space ${spaceId}, its conversation ${conversationId} or its message ${messageId} does not exist`,
    },
    {
      status: 429,
      fixture: "error-rate-limited",
      type: RateLimitError,
      code: "RATE_LIMITED",
      httpStatus: 429,
      says: "rate limited (429)",
    },
    {
      status: 500,
      fixture: "error-internal",
      type: UpstreamUnavailableError,
      code: "UPSTREAM_UNAVAILABLE",
      httpStatus: 502,
      says: "failed with HTTP 500",
    },
    {
      status: 503,
      fixture: "error-temporarily-unavailable",
      type: UpstreamUnavailableError,
      code: "UPSTREAM_UNAVAILABLE",
      httpStatus: 502,
      says: "temporarily unavailable",
    },
  ] as const;

  it.each(table)(
    "maps HTTP $status ($fixture) to $code",
    async ({ status, fixture, type, code, httpStatus, says }) => {
      const body = loadFixture<{ message: string }>(fixture);
      const genie = await scripted(
        () => ({
          status,
          // The upstream text names another user's resource; a 404 must not repeat it.
          body:
            status === 404
              ? { ...body, message: `${body.message} (${otherUsersResource})` }
              : body,
        }),
        { maxAttempts: 1 },
      );
      const failure = genie.getMessage(reference);

      await expect(failure).rejects.toBeInstanceOf(type);
      const error = await failure.catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code, status: httpStatus });
      const message = (error as Error).message;
      expect(message).toContain(says);
      expect(message).not.toContain(userToken);
      expect(message).not.toContain(otherUsersResource);
      expect(server?.requests).toHaveLength(1);
    },
  );

  it("names the space when it cannot be used", async () => {
    const genie = await scripted(() => ({
      status: 404,
      body: loadFixture("error-resource-does-not-exist"),
    }));
    await expect(
      genie.startConversation(spaceId, "How many flights?"),
    ).rejects.toThrow(
      `The Genie space ${spaceId} does not exist or you have no access to it.`,
    );
  });

  it("names the Genie scope a 403 leaves unnamed", async () => {
    const genie = await scripted(() => ({
      status: 403,
      body: loadFixture("error-invalid-scope"),
    }));
    await expect(genie.getMessage(reference)).rejects.toMatchObject({
      missingScopes: ["genie"],
    });
  });

  it.each([
    ["error-html-bad-gateway", "HTTP 502", "HTML error page"],
    ["error-plain-text", "HTTP 503", "upstream connect error"],
  ])("reads the non-JSON body of %s", async (fixture, status, text) => {
    const genie = await rawFixture(fixture);
    const failure = genie.getMessage(reference);
    await expect(failure).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(failure).rejects.toThrow(status);
    await expect(failure).rejects.toThrow(text);
  });
});

describe("GenieClient POST retries", () => {
  it("sends start-conversation once when it failed after being sent", async () => {
    const genie = await scripted(() => ({
      status: 500,
      body: loadFixture("error-internal"),
    }));
    await expect(
      genie.startConversation(spaceId, "How many flights?"),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(server?.requests).toHaveLength(1);
  });

  it("sends create-message once when it failed after being sent", async () => {
    const genie = await scripted(() => ({
      status: 503,
      body: loadFixture("error-temporarily-unavailable"),
    }));
    await expect(
      genie.createMessage(spaceId, conversationId, "And in March?"),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(server?.requests).toHaveLength(1);
  });

  it("sends a POST once when the answer timed out", async () => {
    const genie = await scripted(
      () => ({ body: loadFixture("genie-start-conversation"), delay: 600 }),
      { requestTimeoutMilliseconds: 200 },
    );
    const failure = genie.startConversation(spaceId, "How many flights?");
    await expect(failure).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(failure).rejects.toThrow(/not sent again/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server?.requests).toHaveLength(1);
  });

  it("retries a rate-limited POST once, after Retry-After", async () => {
    const genie = await scripted(() => ({
      status: 429,
      body: loadFixture("error-rate-limited"),
      headers: { "Retry-After": "1" },
    }));
    const started = Date.now();
    await expect(
      genie.startConversation(spaceId, "How many flights?"),
    ).rejects.toBeInstanceOf(RateLimitError);
    expect(server?.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("completes a POST retried after 429", async () => {
    const genie = await scripted((_request, index) =>
      index === 0
        ? { status: 429, body: loadFixture("error-rate-limited") }
        : { body: loadFixture("genie-start-conversation") },
    );
    await expect(
      genie.startConversation(spaceId, "How many flights?"),
    ).resolves.toMatchObject({ messageId });
    expect(server?.requests).toHaveLength(2);
  });

  it("retries a GET after 503", async () => {
    const genie = await scripted((_request, index) =>
      index === 0
        ? { status: 503, body: loadFixture("error-temporarily-unavailable") }
        : { body: loadFixture("genie-message-executing") },
    );
    await expect(genie.getMessage(reference)).resolves.toMatchObject({
      status: "EXECUTING_QUERY",
    });
    expect(server?.requests).toHaveLength(2);
  });
});
