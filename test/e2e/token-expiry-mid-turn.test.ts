import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from "vitest";
import type { RecordedRequest } from "../../local-workspace/src/recorder.js";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";
import { readSseData } from "../helpers/sse-events.js";

let stack: WorkspaceWithAgents;
let agent: AgentServer;
let spaceId: string;

beforeAll(async () => {
  stack = await startWorkspaceWithAgents();
  agent = await stack.startAgent();
  spaceId = agent.config.tools.genie[0]?.spaceId ?? "";
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
});
afterEach(async () => {
  await fetch(`${stack.workspace.url}/local/api/faults`, { method: "DELETE" });
});

/** Polls of one Genie message a token makes before the workspace rejects it. */
const pollsBeforeExpiry = 1;

const februaryQuestion =
  "What was the average departure delay in February 2001?";
const marchQuestion = "What was the average departure delay in March 2001?";

/** Makes the next token of `userName` that polls a message more than once expire. */
async function expireTokenMidPoll(userName: string): Promise<void> {
  const response = await fetch(`${stack.workspace.url}/local/api/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      type: "token-expiry",
      afterPolls: pollsBeforeExpiry,
      userName,
    }),
  });
  expect(response.status).toBe(200);
  stack.workspace.recorder.clear();
}

function post(
  path: string,
  token: string,
  conversationId: string,
  body: unknown,
): Promise<Response> {
  return fetch(`${agent.url}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      "x-behalf-conversation-id": conversationId,
    },
    body: JSON.stringify(body),
  });
}

function bearerOf(record: RecordedRequest): string | undefined {
  return record.headers.authorization?.replace(/^Bearer /, "");
}

const genieBase = () => `/api/2.0/genie/spaces/${spaceId}`;

/** Returns the Genie conversation id of a recorded path under `/conversations/{id}/`. */
function genieConversationIn(record: RecordedRequest): string | undefined {
  return /\/conversations\/([^/]+)\//.exec(record.path)?.[1];
}

function messagePolls(records: readonly RecordedRequest[]): RecordedRequest[] {
  return records.filter(
    (record) =>
      record.method === "GET" &&
      /\/conversations\/[^/]+\/messages\/[^/]+$/.test(record.path),
  );
}

/**
 * Checks that the turn's last request was the poll the workspace rejected with 401,
 * and that nothing followed it, also after the response.
 */
async function expectNothingAfterExpiry(token: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const records = stack.workspace.recorder.records;
  const polls = messagePolls(records).filter(
    (record) => bearerOf(record) === token,
  );
  expect(polls).toHaveLength(pollsBeforeExpiry + 1);
  expect(records.at(-1)).toBe(polls.at(-1));
  const serving = records.filter((record) =>
    record.path.startsWith("/serving-endpoints"),
  );
  // The model planned the call once; it is not called again after the 401.
  expect(serving).toHaveLength(1);
}

interface ToolOutput {
  conversationId?: string;
  rows?: unknown[][];
  columns?: { name: string }[];
  error?: { code: string; message: string };
}

function toolOutputs(body: { output?: unknown[] }): ToolOutput[] {
  return (body.output ?? [])
    .filter(
      (item): item is { type: string; output: string } =>
        (item as { type?: string }).type === "function_call_output",
    )
    .map((item) => JSON.parse(item.output) as ToolOutput);
}

function averageDelayIn(output: ToolOutput | undefined): unknown {
  const column =
    output?.columns?.findIndex((candidate) =>
      candidate.name.includes("delay"),
    ) ?? -1;
  return output?.rows?.[0]?.[column];
}

describe("a token that expires while Genie is polled", () => {
  it("ends a JSON turn with 401 and keeps the conversation", async () => {
    const conversationId = "expiry-json-1";
    const token = await stack.tokenFor("alice@example.com");

    const first = await post("/responses", token, conversationId, {
      input: februaryQuestion,
    });
    expect(first.status).toBe(200);
    const firstOutput = toolOutputs(await first.json())[0];
    expect(averageDelayIn(firstOutput)).toBe(
      expectedAverageDelay(2, ["West"]).average,
    );
    const genieConversationId = firstOutput?.conversationId;
    expect(genieConversationId).toMatch(/\w+/);

    await expireTokenMidPoll("alice@example.com");
    const second = await post("/responses", token, conversationId, {
      input: marchQuestion,
    });
    expect(second.status).toBe(401);
    expect(second.headers.get("www-authenticate")).toMatch(
      /^Bearer .*error="invalid_token"/,
    );
    expect(second.headers.get("x-behalf-conversation-id")).toBe(conversationId);
    const failure = (await second.json()) as Record<string, unknown>;
    expect(failure.error_code).toBe("UNAUTHENTICATED");
    expect(failure.message).toMatch(/rejected the credential \(401\)/);
    expect(failure.message).toMatch(/Sign in again/);
    expect(JSON.stringify(failure)).not.toContain(token);
    await expectNothingAfterExpiry(token);

    // The follow-up went to the same Genie conversation, as turn 3 does below.
    const followUps = stack.workspace.recorder.records.filter(
      (record) => record.method === "POST",
    );
    expect(followUps.map((record) => record.path)).toContain(
      `${genieBase()}/conversations/${genieConversationId}/messages`,
    );

    const stored = agent.store
      .snapshot()
      .find((record) => record.id === conversationId);
    expect(stored?.genieConversations[spaceId]).toBe(genieConversationId);
    const results = (stored?.messages ?? [])
      .filter((message) => message.role === "tool")
      .flatMap((message) => message.content as { output: unknown }[]);
    expect(results).toHaveLength(2);
    expect(results[1]?.output).toMatchObject({
      type: "error-json",
      value: { code: "UNAUTHENTICATED" },
    });

    stack.workspace.recorder.clear();
    const freshToken = await stack.tokenFor("alice@example.com");
    const third = await post("/responses", freshToken, conversationId, {
      input: marchQuestion,
    });
    expect(third.status).toBe(200);
    const thirdOutput = toolOutputs(await third.json()).at(-1);
    expect(averageDelayIn(thirdOutput)).toBe(
      expectedAverageDelay(3, ["West"]).average,
    );
    expect(thirdOutput?.conversationId).toBe(genieConversationId);

    const genie = stack.workspace.recorder.records.filter((record) =>
      record.path.startsWith("/api/2.0/genie/"),
    );
    const posts = genie.filter((record) => record.method === "POST");
    expect(posts.map((record) => record.path)).toEqual([
      `${genieBase()}/conversations/${genieConversationId}/messages`,
    ]);
    for (const record of genie) {
      expect(bearerOf(record)).toBe(freshToken);
    }
  });

  it("ends a stream with a typed event and continues after sign-in", async () => {
    const conversationId = "expiry-stream-1";
    const token = await stack.tokenFor("bob@example.com");

    await expireTokenMidPoll("bob@example.com");
    const response = await post("/responses", token, conversationId, {
      input: februaryQuestion,
      stream: true,
    });
    expect(response.status).toBe(200);
    const data = await readSseData(response);
    expect(data.at(-1)).toBe("[DONE]");
    const events = data
      .slice(0, -1)
      .map((payload) => JSON.parse(payload) as Record<string, unknown>);
    expect(events.at(-2)).toMatchObject({
      type: "error",
      code: "UNAUTHENTICATED",
      message: expect.stringMatching(/Sign in again/),
    });
    expect(events.at(-1)).toMatchObject({
      type: "response.failed",
      response: { status: "failed", error: { code: "UNAUTHENTICATED" } },
    });
    const callOutputs = events
      .filter((event) => event.type === "response.output_item.done")
      .map((event) => event.item as { type: string; output?: string })
      .filter((item) => item.type === "function_call_output");
    expect(callOutputs).toHaveLength(1);
    expect(JSON.parse(callOutputs[0]?.output ?? "{}")).toMatchObject({
      error: { code: "UNAUTHENTICATED" },
    });
    expect(data.join("\n")).not.toContain(token);
    await expectNothingAfterExpiry(token);

    // The first message of the Genie conversation failed, yet the next turn continues it.
    const genieConversationId = genieConversationIn(
      messagePolls(stack.workspace.recorder.records)[0] ??
        fail("no message poll was recorded"),
    );
    stack.workspace.recorder.clear();
    const freshToken = await stack.tokenFor("bob@example.com");
    const next = await post("/responses", freshToken, conversationId, {
      input: februaryQuestion,
    });
    expect(next.status).toBe(200);
    const output = toolOutputs(await next.json()).at(-1);
    expect(averageDelayIn(output)).toBe(
      expectedAverageDelay(2, ["Northeast"]).average,
    );
    const posts = stack.workspace.recorder.records.filter(
      (record) =>
        record.method === "POST" && record.path.startsWith("/api/2.0/genie/"),
    );
    expect(posts.map((record) => record.path)).toEqual([
      `${genieBase()}/conversations/${genieConversationId}/messages`,
    ]);
    expect(posts.map(bearerOf)).toEqual([freshToken]);
  });

  it("keeps the Genie conversation of a failed first message", async () => {
    const conversationId = "failed-message-1";
    const token = await stack.tokenFor("carol@example.com");
    const faults = await fetch(`${stack.workspace.url}/local/api/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        type: "message",
        outcome: "FAILED",
        userName: "carol@example.com",
      }),
    });
    expect(faults.status).toBe(200);

    const first = await post("/responses", token, conversationId, {
      input: februaryQuestion,
    });
    expect(first.status).toBe(200);
    expect(toolOutputs(await first.json())[0]?.error?.code).toBe(
      "GENIE_MESSAGE_FAILED",
    );
    const genieConversationId = genieConversationIn(
      messagePolls(stack.workspace.recorder.records)[0] ??
        fail("no message poll was recorded"),
    );

    stack.workspace.recorder.clear();
    const second = await post("/responses", token, conversationId, {
      input: februaryQuestion,
    });
    expect(second.status).toBe(200);
    const posts = stack.workspace.recorder.records.filter(
      (record) =>
        record.method === "POST" && record.path.startsWith("/api/2.0/genie/"),
    );
    expect(posts.map((record) => record.path)).toEqual([
      `${genieBase()}/conversations/${genieConversationId}/messages`,
    ]);
  });
});

describe("the terminal event on other protocols", () => {
  const cases = [
    {
      name: "ChatAgent stream",
      path: "/invocations",
      body: {
        messages: [{ role: "user", content: februaryQuestion }],
        stream: true,
      },
      terminal: { error_code: "UNAUTHENTICATED" },
    },
    {
      name: "OpenAI stream",
      path: "/v1/chat/completions",
      body: {
        model: "behalf",
        messages: [{ role: "user", content: februaryQuestion }],
        stream: true,
      },
      terminal: {
        error: { code: "UNAUTHENTICATED", type: "authentication_error" },
      },
    },
  ];

  it.each(cases)("ends the $name", async ({ path, body, terminal }) => {
    const token = await stack.tokenFor("erin@example.com");
    await expireTokenMidPoll("erin@example.com");
    const response = await post(path, token, `expiry-${path.length}`, body);
    expect(response.status).toBe(200);
    const data = await readSseData(response);
    expect(data.at(-1)).toBe("[DONE]");
    expect(JSON.parse(data.at(-2) ?? "{}")).toMatchObject(terminal);
    await expectNothingAfterExpiry(token);
  });

  it("answers OpenAI JSON with 401", async () => {
    const token = await stack.tokenFor("erin@example.com");
    await expireTokenMidPoll("erin@example.com");
    const response = await post("/v1/chat/completions", token, "expiry-v1", {
      model: "behalf",
      messages: [{ role: "user", content: februaryQuestion }],
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(await response.json()).toMatchObject({
      error_code: "UNAUTHENTICATED",
      error: { code: "UNAUTHENTICATED", type: "authentication_error" },
    });
    await expectNothingAfterExpiry(token);
  });
});

function fail(message: string): never {
  throw new Error(message);
}
