import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  findFlightsSpace,
  GenieTestClient,
} from "../genie/http-test-client.js";
import { startLocalWorkspace } from "../server.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const februaryQuestion =
  "What was the average departure delay in February 2001?";

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;
let spaceId: string;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    genieStatusStepMilliseconds: 0,
    logLevel: "silent",
    faults: [
      { type: "message", outcome: "CANCELLED", userName: "bob@example.com" },
    ],
  });
  spaceId = findFlightsSpace(workspace.definition).id;
}, 120_000);

afterEach(async () => {
  await fetch(`${workspace.url}/local/api/faults`, { method: "DELETE" });
});

afterAll(async () => {
  await workspace?.close();
});

async function clientFor(userName: string) {
  const token = await workspace.issueToken(userName, { scopes: ["genie"] });
  return new GenieTestClient(workspace.url, token);
}

async function addFaults(faults: unknown) {
  const response = await fetch(`${workspace.url}/local/api/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  return { status: response.status, body: await response.json() };
}

async function listFaults() {
  const response = await fetch(`${workspace.url}/local/api/faults`);
  return (await response.json()).faults as { remaining: number | null }[];
}

describe("message faults over HTTP", () => {
  it("cancels bob's first message from the start options", async () => {
    const bob = await clientFor("bob@example.com");

    const first = await bob.ask(spaceId, februaryQuestion);
    const second = await bob.ask(spaceId, februaryQuestion);

    expect(first.statuses).toEqual(["CANCELLED"]);
    expect(first.message.attachments).toEqual([]);
    expect(second.message.status).toBe("COMPLETED");
  });

  it("fails the next messages of one user", async () => {
    const alice = await clientFor("alice@example.com");
    const carol = await clientFor("carol@example.com");
    const added = await addFaults({
      type: "message",
      outcome: "FAILED",
      errorType: "RATE_LIMIT_EXCEEDED_SPECIFIED_WAIT_EXCEPTION",
      errorText: "Genie is busy; wait 30 seconds.",
      count: 2,
      spaceId,
      userName: "alice@example.com",
    });

    const carolAsked = await carol.ask(spaceId, februaryQuestion);
    const failed = await alice.ask(spaceId, februaryQuestion);
    const remainingAfterOne = (await listFaults())[0]?.remaining;
    const failedFollowUp = await alice.ask(
      spaceId,
      "And in March?",
      failed.conversationId,
    );
    const answered = await alice.ask(spaceId, februaryQuestion);

    expect(added.status).toBe(200);
    expect(added.body.faults[0]).toMatchObject({
      id: expect.any(String),
      remaining: 2,
    });
    expect(carolAsked.message.status).toBe("COMPLETED");
    expect(failed.message.status).toBe("FAILED");
    expect(failed.message.error).toEqual({
      error: "Genie is busy; wait 30 seconds.",
      type: "RATE_LIMIT_EXCEEDED_SPECIFIED_WAIT_EXCEPTION",
    });
    expect(remainingAfterOne).toBe(1);
    expect(failedFollowUp.message.status).toBe("FAILED");
    expect(answered.message.status).toBe("COMPLETED");
    expect(await listFaults()).toEqual([]);
  });
});

describe("route faults over HTTP", () => {
  it("sends a burst of errors on one route", async () => {
    const alice = await clientFor("alice@example.com");
    await addFaults({
      type: "http-error",
      routes: ["genie.get-message"],
      status: 503,
      retryAfterSeconds: 2,
      count: 2,
    });

    const started = await alice.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );
    const messagePath = `spaces/${spaceId}/conversations/${started.body.conversation_id}/messages/${started.body.message_id}`;
    const polls = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      polls.push(await alice.call("GET", messagePath));
    }

    expect(started.status).toBe(200);
    expect(polls.map((poll) => poll.status)).toEqual([503, 503, 200]);
    expect(polls[0]?.body.error_code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(polls[0]?.body.message).toContain("503");
    expect(polls[0]?.headers.get("retry-after")).toBe("2");
  });

  it("sends a chosen status and code", async () => {
    const alice = await clientFor("alice@example.com");
    await addFaults([
      {
        type: "http-error",
        routes: ["POST /api/2.0/genie/spaces/*/start-conversation"],
        status: 500,
        errorCode: "INTERNAL_ERROR",
        message: "Genie backend crashed.",
      },
    ]);

    const failed = await alice.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );
    const retried = await alice.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );

    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({
      error_code: "INTERNAL_ERROR",
      message: "Genie backend crashed.",
    });
    expect(retried.status).toBe(200);
  });

  it("slows down a chosen route", async () => {
    const alice = await clientFor("alice@example.com");
    await addFaults({
      type: "delay",
      routes: ["genie.start-conversation"],
      delayMilliseconds: 400,
      count: 1,
    });

    const startedAt = performance.now();
    const slow = await alice.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );
    const elapsed = performance.now() - startedAt;

    expect(slow.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(await listFaults()).toEqual([]);
  });
});

describe("token expiry faults over HTTP", () => {
  it("expires a token after K polls", async () => {
    const aliceToken = await workspace.issueToken("alice@example.com", {
      scopes: ["genie"],
    });
    const alice = new GenieTestClient(workspace.url, aliceToken);
    const bob = await clientFor("bob@example.com");
    await addFaults({
      type: "token-expiry",
      afterPolls: 2,
      userName: "alice@example.com",
    });

    const started = await alice.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );
    const messagePath = `spaces/${spaceId}/conversations/${started.body.conversation_id}/messages/${started.body.message_id}`;
    const polls = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      polls.push(await alice.call("GET", messagePath));
    }
    const otherRoute = await alice.call(
      "GET",
      `spaces/${spaceId}/conversations`,
    );
    const freshToken = await clientFor("alice@example.com");
    const withFreshToken = await freshToken.call("GET", messagePath);
    const bobStarted = await bob.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );
    const bobPolls = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      bobPolls.push(
        await bob.call(
          "GET",
          `spaces/${spaceId}/conversations/${bobStarted.body.conversation_id}/messages/${bobStarted.body.message_id}`,
        ),
      );
    }

    expect(polls.map((poll) => poll.status)).toEqual([200, 200, 401]);
    expect(polls[2]?.body.error_code).toBe("UNAUTHENTICATED");
    expect(polls[2]?.body.message).toContain("expired");
    expect(polls[2]?.headers.get("www-authenticate")).toContain(
      "invalid_token",
    );
    expect(otherRoute.status).toBe(401);
    expect(withFreshToken.status).toBe(200);
    expect(bobPolls.map((poll) => poll.status)).toEqual([200, 200, 200]);
  });
});

describe("fault endpoint", () => {
  it("clears every fault", async () => {
    const alice = await clientFor("alice@example.com");
    await addFaults([
      { type: "message", outcome: "CANCELLED", count: 5 },
      { type: "http-error", routes: ["genie.any"], count: 5 },
    ]);

    const listed = await listFaults();
    const cleared = await fetch(`${workspace.url}/local/api/faults`, {
      method: "DELETE",
    });
    const asked = await alice.ask(spaceId, februaryQuestion);

    expect(listed).toHaveLength(2);
    expect(await cleared.json()).toEqual({ cleared: 2 });
    expect(await listFaults()).toEqual([]);
    expect(asked.message.status).toBe("COMPLETED");
  });

  it.each([
    [{ type: "http-error", routes: ["genie.nope"] }, "genie.nope"],
    [{ type: "message", outcome: "EXPLODED" }, "outcome"],
    [
      { type: "delay", routes: ["genie.any"], delayMilliseconds: -1 },
      "delayMilliseconds",
    ],
  ])("rejects %j", async (fault, field) => {
    const response = await addFaults(fault);

    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(response.body.message).toContain(field);
    expect(await listFaults()).toEqual([]);
  });

  it("rejects a body that is not JSON", async () => {
    const response = await fetch(`${workspace.url}/local/api/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "not json",
    });

    expect(response.status).toBe(400);
    expect((await response.json()).error_code).toBe("MALFORMED_REQUEST");
  });

  it("rejects a body not sent as JSON, as a cross-site form would", async () => {
    const response = await fetch(`${workspace.url}/local/api/faults`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({
        type: "delay",
        routes: ["genie.any"],
        delayMilliseconds: 1,
      }),
    });

    expect(response.status).toBe(415);
    const listed = await fetch(`${workspace.url}/local/api/faults`);
    expect(await listed.json()).toMatchObject({ faults: [] });
  });
});
