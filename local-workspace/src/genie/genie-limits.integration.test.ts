import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorkspace } from "../server.js";
import { findFlightsSpace, GenieTestClient } from "./http-test-client.js";
import { parseLatencyModel, statusDurations } from "./message-status.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const februaryQuestion =
  "What was the average departure delay in February 2001?";

/**
 * Durations long enough for a poll to observe every status. PGlite runs on the
 * server's thread, so a status must outlast a query.
 */
const latencySpec =
  "SUBMITTED=100,FETCHING_METADATA=100,ASKING_AI=150,EXECUTING_QUERY=150,jitter=0.2";
const resultLifetimeSeconds = 1.5;
const questionsPerMinute = 5;

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;
let spaceId: string;
/** Questions this file has asked; the throughput limit counts them all. */
let questionsAsked = 0;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    genieLatency: latencySpec,
    genieResultLifetimeSeconds: resultLifetimeSeconds,
    genieQuestionsPerMinute: questionsPerMinute,
    logLevel: "silent",
  });
  spaceId = findFlightsSpace(workspace.definition).id;
}, 120_000);

afterAll(async () => {
  await workspace?.close();
});

async function clientFor(userName: string): Promise<GenieTestClient> {
  const token = await workspace.issueToken(userName, { scopes: ["genie"] });
  return new GenieTestClient(workspace.url, token);
}

async function ask(client: GenieTestClient, question: string) {
  questionsAsked += 1;
  return client.ask(spaceId, question);
}

describe("Genie latency model over HTTP", () => {
  it("holds each status for its jittered duration", async () => {
    const alice = await clientFor("alice@example.com");
    // The first question also reads the airports table, which blocks the server's
    // thread, so one question goes first and the measured one runs only its query.
    await ask(alice, "How many flights departed from SFO?");

    const asked = await ask(alice, februaryQuestion);

    const durations = statusDurations(
      parseLatencyModel(latencySpec, 0),
      asked.messageId,
    );
    const timeline = durations.reduce((sum, duration) => sum + duration, 0);
    const took =
      asked.message.last_updated_timestamp - asked.message.created_timestamp;
    expect(asked.statuses).toEqual([
      "SUBMITTED",
      "FETCHING_METADATA",
      "ASKING_AI",
      "EXECUTING_QUERY",
      "COMPLETED",
    ]);
    expect(timeline).toBeGreaterThanOrEqual(0.8 * 500);
    expect(timeline).toBeLessThanOrEqual(1.2 * 500);
    expect(took).toBeGreaterThanOrEqual(timeline);
  });
});

describe("Genie result expiry over HTTP", () => {
  it("expires a result until execute-query runs it again", async () => {
    const bob = await clientFor("bob@example.com");
    const asked = await ask(bob, februaryQuestion);
    const messagePath = `spaces/${spaceId}/conversations/${asked.conversationId}/messages/${asked.messageId}`;
    const attachment = asked.message.attachments[0];

    const expired = await bob.waitForMessageStatus(
      messagePath,
      "QUERY_RESULT_EXPIRED",
    );
    const expiredRead = await bob.call(
      "GET",
      `${messagePath}/attachments/${attachment.attachment_id}/query-result`,
    );
    const rerun = await bob.call(
      "POST",
      `${messagePath}/attachments/${attachment.attachment_id}/execute-query`,
      {},
    );
    const afterRerun = await bob.call("GET", messagePath);
    const freshRead = await bob.call(
      "GET",
      `${messagePath}/attachments/${attachment.attachment_id}/query-result`,
    );

    expect(asked.message.status).toBe("COMPLETED");
    expect(
      expired.last_updated_timestamp - asked.message.last_updated_timestamp,
    ).toBe(resultLifetimeSeconds * 1000);
    expect(expired.attachments[0].attachment_id).toBe(attachment.attachment_id);
    expect(expiredRead.status).toBe(400);
    expect(expiredRead.body.error_code).toBe("INVALID_STATE");
    expect(expiredRead.body.message).toContain("execute-query");
    expect(rerun.status).toBe(200);
    expect(rerun.body.statement_response.status.state).toBe("SUCCEEDED");
    expect(afterRerun.body.status).toBe("COMPLETED");
    expect(freshRead.status).toBe(200);
    expect(freshRead.body.statement_response.statement_id).toBe(
      rerun.body.statement_response.statement_id,
    );
  });
});

describe("Genie throughput limit over HTTP", () => {
  it("answers 429 with Retry-After beyond the limit", async () => {
    const carol = await clientFor("carol@example.com");
    const started = await carol.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      { content: februaryQuestion },
    );
    questionsAsked += 1;
    const conversationPath = `spaces/${spaceId}/conversations/${started.body.conversation_id}`;
    await carol.call(
      "POST",
      `${conversationPath}/messages/${started.body.message_id}/feedback`,
      { rating: "POSITIVE" },
    );
    const accepted = [];
    while (questionsAsked < questionsPerMinute) {
      questionsAsked += 1;
      accepted.push(
        await carol.call("POST", `${conversationPath}/messages`, {
          content: "And in March?",
        }),
      );
    }

    const overStart = await carol.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      { content: februaryQuestion },
    );
    const overMessage = await carol.call(
      "POST",
      `${conversationPath}/messages`,
      {
        content: "And in January?",
      },
    );
    const poll = await carol.call(
      "GET",
      `${conversationPath}/messages/${started.body.message_id}`,
    );

    const retryAfter = Number(overStart.headers.get("retry-after"));
    expect(started.status).toBe(200);
    expect(accepted.map((response) => response.status)).toEqual(
      accepted.map(() => 200),
    );
    expect(overStart.status).toBe(429);
    expect(overStart.body.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(overStart.body.message).toContain(`${questionsPerMinute} questions`);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(overMessage.status).toBe(429);
    expect(poll.status).toBe(200);
  });
});
