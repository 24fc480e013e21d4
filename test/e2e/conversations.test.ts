import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { askAgent } from "../../src/cli/agent-client.js";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";

let stack: WorkspaceWithAgents;
let agent: AgentServer;
let spaceId: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startWorkspaceWithAgents();
  agent = await stack.startAgent();
  spaceId = agent.config.tools.genie[0]?.spaceId ?? "";
  for (const user of ["alice@example.com", "bob@example.com"]) {
    tokens[user] = await stack.tokenFor(user);
  }
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
});

const sfoQuestion = "How many flights departed from SFO?";
const laxQuestion = "How many flights departed from LAX?";

function token(user: string): string {
  return tokens[user] ?? "";
}

async function post(
  path: string,
  user: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}> {
  const response = await fetch(`${agent.url}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token(user)}`,
      "Content-Type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function userIdOf(user: string): Promise<string> {
  const response = await fetch(
    `${stack.workspace.url}/api/2.0/preview/scim/v2/Me`,
    { headers: { Authorization: `Bearer ${token(user)}` } },
  );
  return ((await response.json()) as { id: string }).id;
}

function genieRecords() {
  return stack.workspace.recorder.records.filter((record) =>
    record.path.startsWith("/api/2.0/genie/"),
  );
}

function servingBodies(): { messages: Record<string, unknown>[] }[] {
  return stack.workspace.recorder.records
    .filter((record) => record.path.startsWith("/serving-endpoints"))
    .map((record) => JSON.parse(record.body));
}

describe("conversation ids", () => {
  it("come back in metadata, custom_outputs and a header", async () => {
    const response = await post("/responses", "alice@example.com", {
      input: sfoQuestion,
    });
    expect(response.status).toBe(200);
    const id = response.headers.get("x-behalf-conversation-id");
    expect(id).toMatch(/^[\w.:-]{1,128}$/);
    expect(response.body.metadata).toMatchObject({ conversation_id: id });
    expect(response.body.custom_outputs).toMatchObject({ conversation_id: id });
  });

  it("chosen by the client start a conversation", async () => {
    const id = `client-chosen-${Date.now()}`;
    const response = await post("/responses", "alice@example.com", {
      input: sfoQuestion,
      context: { conversation_id: id },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-behalf-conversation-id")).toBe(id);
    const record = (await agent.store.get(id)) ?? undefined;
    expect(record?.ownerId).toBe(await userIdOf("alice@example.com"));
  });

  it("that differ between header and body are rejected", async () => {
    const response = await post(
      "/responses",
      "alice@example.com",
      { input: sfoQuestion, context: { conversation_id: "one" } },
      { "x-behalf-conversation-id": "two" },
    );
    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe("INVALID_REQUEST");
  });

  it("with invalid characters are rejected", async () => {
    const response = await post("/responses", "alice@example.com", {
      input: sfoQuestion,
      context: { conversation_id: "a/b" },
    });
    expect(response.status).toBe(400);
    expect(String(response.body.message)).toContain("Invalid conversation id");
  });
});

describe("a conversation of another user", () => {
  let aliceConversation: string;

  beforeAll(async () => {
    const answer = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: sfoQuestion,
    });
    aliceConversation = answer.conversationId ?? "";
  });

  const attempts: [
    string,
    string,
    (id: string) => unknown,
    Record<string, string>,
  ][] = [
    [
      "ResponsesAgent context",
      "/responses",
      (id) => ({ input: sfoQuestion, context: { conversation_id: id } }),
      {},
    ],
    [
      "ChatAgent context",
      "/invocations",
      (id) => ({
        messages: [{ role: "user", content: sfoQuestion }],
        context: { conversation_id: id },
      }),
      {},
    ],
    [
      "OpenAI chat header",
      "/v1/chat/completions",
      () => ({
        model: "behalf",
        messages: [{ role: "user", content: sfoQuestion }],
      }),
      { useHeader: "true" },
    ],
  ];

  for (const [name, path, body, options] of attempts) {
    it(`is not found through the ${name}`, async () => {
      expect(aliceConversation).not.toBe("");
      stack.workspace.recorder.clear();
      const headers: Record<string, string> =
        options.useHeader === "true"
          ? { "x-behalf-conversation-id": aliceConversation }
          : {};
      const response = await post(
        path,
        "bob@example.com",
        body(aliceConversation),
        headers,
      );

      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).toContain("NOT_FOUND");
      expect(response.headers.get("x-behalf-conversation-id")).toBeNull();
      // Only the identity check may reach the workspace: no model call, no Genie call.
      const paths = stack.workspace.recorder.records.map(
        (record) => record.path,
      );
      expect(
        paths.filter((path) => path !== "/api/2.0/preview/scim/v2/Me"),
      ).toEqual([]);
    });
  }

  it("stays not found when the body claims its owner's user id", async () => {
    stack.workspace.recorder.clear();
    const response = await post("/responses", "bob@example.com", {
      input: sfoQuestion,
      context: {
        conversation_id: aliceConversation,
        user_id: await userIdOf("alice@example.com"),
      },
    });
    expect(response.status).toBe(404);
    expect(genieRecords()).toEqual([]);
  });

  it("keeps its owner when the owner sends another user id", async () => {
    const response = await post("/responses", "alice@example.com", {
      input: laxQuestion,
      context: {
        conversation_id: aliceConversation,
        user_id: await userIdOf("bob@example.com"),
      },
    });
    expect(response.status).toBe(200);
    const record = await agent.store.get(aliceConversation);
    expect(record?.ownerId).toBe(await userIdOf("alice@example.com"));
  });
});

describe("Genie follow-ups", () => {
  it("go to the same Genie conversation with the same user's token", async () => {
    const first = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: sfoQuestion,
    });
    expect(first.error).toBeUndefined();
    const conversationId = first.conversationId ?? "";
    const starts = genieRecords().filter((record) =>
      record.path.endsWith("/start-conversation"),
    );
    expect(starts).toHaveLength(1);
    const genieConversation = (await agent.store.get(conversationId))
      ?.genieConversations[spaceId];
    expect(genieConversation).toBeDefined();

    stack.workspace.recorder.clear();
    const second = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: laxQuestion,
      conversationId,
    });
    expect(second.error).toBeUndefined();
    expect(second.conversationId).toBe(conversationId);

    const posts = genieRecords().filter((record) => record.method === "POST");
    expect(posts.map((record) => record.path)).toEqual([
      `/api/2.0/genie/spaces/${spaceId}/conversations/${genieConversation}/messages`,
    ]);
    expect(posts[0]?.headers.authorization).toBe(
      `Bearer ${token("alice@example.com")}`,
    );
    expect(JSON.parse(posts[0]?.body ?? "{}")).toEqual({
      content: laxQuestion,
    });
  });

  it("start anew in a new agent conversation", async () => {
    const first = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: sfoQuestion,
    });
    const second = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: laxQuestion,
    });
    expect(second.conversationId).not.toBe(first.conversationId);
    const starts = genieRecords().filter((record) =>
      record.path.endsWith("/start-conversation"),
    );
    expect(starts).toHaveLength(2);
    const followUps = genieRecords().filter(
      (record) => record.method === "POST" && record.path.endsWith("/messages"),
    );
    expect(followUps).toEqual([]);
  });
});

describe("conversation history", () => {
  it("goes before new input in the next turn", async () => {
    const first = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: sfoQuestion,
    });
    stack.workspace.recorder.clear();
    await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: laxQuestion,
      conversationId: first.conversationId,
    });

    const firstModelCall = servingBodies()[0];
    const roles = firstModelCall?.messages.map((message) => message.role);
    expect(roles).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
    ]);
    expect(firstModelCall?.messages[1]?.content).toBe(sfoQuestion);
    expect(firstModelCall?.messages[5]?.content).toBe(laxQuestion);
  });

  it("sent whole by the client is used as sent", async () => {
    const first = await askAgent({
      url: agent.url,
      token: token("alice@example.com"),
      question: sfoQuestion,
    });
    stack.workspace.recorder.clear();
    const response = await post("/responses", "alice@example.com", {
      input: [
        { role: "user", content: "An earlier question" },
        { role: "assistant", content: "An earlier answer" },
        { role: "user", content: laxQuestion },
      ],
      context: { conversation_id: first.conversationId },
    });
    expect(response.status).toBe(200);

    const messages = servingBodies()[0]?.messages ?? [];
    expect(messages.map((message) => message.content)).toEqual([
      expect.any(String),
      "An earlier question",
      "An earlier answer",
      laxQuestion,
    ]);
  });

  it("is repaired before replay: unique ids, one result each", async () => {
    stack.workspace.recorder.clear();
    const call = (callId: string) => ({
      type: "function_call",
      call_id: callId,
      name: "flights",
      arguments: JSON.stringify({ question: sfoQuestion }),
    });
    const response = await post("/responses", "alice@example.com", {
      input: [
        { role: "user", content: sfoQuestion },
        call("repeated"),
        { type: "function_call_output", call_id: "repeated", output: "{}" },
        { role: "assistant", content: "Done." },
        { role: "user", content: "Once more" },
        call("repeated"),
        call("unanswered"),
        { role: "user", content: laxQuestion },
      ],
    });
    expect(response.status).toBe(200);

    const messages = servingBodies()[0]?.messages ?? [];
    const callIds = messages.flatMap((message) =>
      ((message.tool_calls as { id: string }[] | undefined) ?? []).map(
        (toolCall) => toolCall.id,
      ),
    );
    const resultIds = messages
      .filter((message) => message.role === "tool")
      .map((message) => message.tool_call_id);
    expect(callIds).toHaveLength(3);
    expect(new Set(callIds).size).toBe(3);
    expect([...resultIds].sort()).toEqual([...callIds].sort());
  });

  it("stores no token", async () => {
    const dave = await stack.tokenFor("dave@example.com");
    await askAgent({ url: agent.url, token: dave, question: sfoQuestion });
    await askAgent({
      url: agent.url,
      token: token("bob@example.com"),
      question: sfoQuestion,
    });

    const dump = JSON.stringify(agent.store.snapshot());
    expect(agent.store.size).toBeGreaterThan(3);
    for (const secret of [...Object.values(tokens), dave]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.split(".")[2]);
    }
    expect(dump).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(dump).not.toMatch(/Bearer /i);
  });
});
