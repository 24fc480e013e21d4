import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";
import { readSseData } from "../helpers/sse-events.js";

let stack: WorkspaceWithAgents;
let agent: AgentServer;
let aliceToken: string;

beforeAll(async () => {
  stack = await startWorkspaceWithAgents();
  agent = await stack.startAgent();
  aliceToken = await stack.tokenFor("alice@example.com");
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
});

const question = "What was the average departure delay in February 2001?";
const westAverage = () => String(expectedAverageDelay(2, ["West"]).average);

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${agent.url}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${aliceToken}`,
      "Content-Type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe("public routes", () => {
  it("answer /health and /agent/info without a user", async () => {
    const health = await fetch(`${agent.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "healthy" });

    const info = await fetch(`${agent.url}/agent/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({
      name: "behalf",
      use_case: "agent",
      agent_api: "responses",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(stack.workspace.recorder.records).toEqual([]);
  });

  it("are the only ones open without a user", async () => {
    for (const [method, path] of [
      ["POST", "/invocations"],
      ["POST", "/responses"],
      ["POST", "/v1/chat/completions"],
      ["GET", "/v1/models"],
      ["GET", "/somewhere-else"],
    ] as const) {
      const response = await fetch(`${agent.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    expect(stack.workspace.recorder.records).toEqual([]);
  });
});

describe("ChatAgent on /invocations", () => {
  it("answers with messages that each have an id", async () => {
    const response = await post("/invocations", {
      messages: [{ role: "user", content: question }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      messages: Record<string, unknown>[];
      finish_reason: string;
      custom_outputs: Record<string, unknown>;
      usage: Record<string, number>;
    };

    expect(body.finish_reason).toBe("stop");
    expect(body.custom_outputs.conversation_id).toBe(
      response.headers.get("x-behalf-conversation-id"),
    );
    expect(body.messages.map((message) => message.role)).toEqual([
      "assistant",
      "tool",
      "assistant",
    ]);
    const ids = body.messages.map((message) => message.id);
    expect(new Set(ids).size).toBe(3);
    const [call, result, answer] = body.messages;
    const toolCall = (call?.tool_calls as { id: string }[] | undefined)?.[0];
    expect(toolCall?.id).toEqual(expect.any(String));
    expect(result?.tool_call_id).toBe(toolCall?.id);
    expect(result?.name).toBe("flights");
    expect(answer?.content).toContain(westAverage());
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("streams chunks with delta ids, then [DONE]", async () => {
    const response = await post("/invocations", {
      messages: [{ role: "user", content: question }],
      stream: true,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const data = await readSseData(response);
    expect(data.at(-1)).toBe("[DONE]");

    const chunks = data
      .filter((item) => item !== "[DONE]")
      .map((item) => JSON.parse(item) as Record<string, unknown>);
    for (const chunk of chunks) {
      expect((chunk.delta as { id?: string }).id).toEqual(expect.any(String));
    }
    const last = chunks.at(-1) ?? {};
    expect(last.finish_reason).toBe("stop");
    expect(last.custom_outputs).toMatchObject({
      conversation_id: response.headers.get("x-behalf-conversation-id"),
    });

    // Content joined by message id gives the answer, as MLflow clients join it.
    const contentById = new Map<string, string>();
    for (const chunk of chunks) {
      const delta = chunk.delta as {
        id: string;
        role: string;
        content?: string | null;
      };
      if (delta.role === "assistant" && typeof delta.content === "string") {
        contentById.set(
          delta.id,
          (contentById.get(delta.id) ?? "") + delta.content,
        );
      }
    }
    expect([...contentById.values()].join("")).toContain(westAverage());
  });

  it("goes to ResponsesAgent when the body has input", async () => {
    const response = await post("/invocations", { input: question });
    const body = (await response.json()) as { object: string };
    expect(body.object).toBe("response");
  });

  it("names the fields when a body fits neither API", async () => {
    const response = await post("/invocations", { messages: "hello" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain("messages");
  });
});

describe("the openai client", () => {
  const client = () =>
    new OpenAI({
      baseURL: `${agent.url}/v1`,
      apiKey: aliceToken,
      maxRetries: 0,
    });

  it("gets the answer, tool steps and usage", async () => {
    const { data: completion, response } = await client()
      .chat.completions.create({
        model: "behalf",
        messages: [{ role: "user", content: question }],
      })
      .withResponse();

    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.choices[0]?.message.content).toContain(westAverage());
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);

    const extension = (
      completion as unknown as {
        behalf: { tool_steps: Record<string, unknown>[] };
      }
    ).behalf;
    expect(extension.tool_steps).toHaveLength(1);
    expect(extension.tool_steps[0]).toMatchObject({
      name: "flights",
      arguments: JSON.stringify({ question }),
      output: { status: "COMPLETED" },
    });
    expect(response.headers.get("x-behalf-conversation-id")).toEqual(
      expect.any(String),
    );
  });

  it("streams the answer and ends the stream", async () => {
    const stream = await client().chat.completions.create({
      model: "behalf",
      messages: [{ role: "user", content: question }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finishReason: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    const toolCalls: unknown[] = [];
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      usage = chunk.usage ?? usage;
      const extension = (
        chunk as unknown as { behalf?: { tool_call?: unknown } }
      ).behalf;
      if (extension?.tool_call !== undefined) {
        toolCalls.push(extension.tool_call);
      }
    }
    expect(text).toContain(westAverage());
    expect(finishReason).toBe("stop");
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(toolCalls).toEqual([expect.objectContaining({ name: "flights" })]);
  });

  it("continues a conversation named in a header", async () => {
    const first = await client()
      .chat.completions.create({
        model: "behalf",
        messages: [{ role: "user", content: question }],
      })
      .withResponse();
    const conversationId =
      first.response.headers.get("x-behalf-conversation-id") ?? "";

    stack.workspace.recorder.clear();
    const second = await client()
      .chat.completions.create(
        {
          model: "behalf",
          messages: [
            { role: "user", content: "How many flights departed from LAX?" },
          ],
        },
        { headers: { "x-behalf-conversation-id": conversationId } },
      )
      .withResponse();
    expect(second.response.headers.get("x-behalf-conversation-id")).toBe(
      conversationId,
    );
    const followUp = stack.workspace.recorder.records.filter(
      (record) =>
        record.method === "POST" && record.path.includes("/conversations/"),
    );
    expect(followUp).toHaveLength(1);
  });

  it("raises the server's error for another user's conversation", async () => {
    const first = await client()
      .chat.completions.create({
        model: "behalf",
        messages: [{ role: "user", content: question }],
      })
      .withResponse();
    const conversationId =
      first.response.headers.get("x-behalf-conversation-id") ?? "";
    const bob = new OpenAI({
      baseURL: `${agent.url}/v1`,
      apiKey: await stack.tokenFor("bob@example.com"),
      maxRetries: 0,
    });
    const failure = bob.chat.completions.create(
      { model: "behalf", messages: [{ role: "user", content: question }] },
      { headers: { "x-behalf-conversation-id": conversationId } },
    );
    await expect(failure).rejects.toMatchObject({
      status: 404,
      code: "NOT_FOUND",
    });
  });
});

describe("the openai client on the Responses API", () => {
  const responsesClient = () =>
    new OpenAI({ baseURL: agent.url, apiKey: aliceToken, maxRetries: 0 });

  it("creates a response", async () => {
    const response = await responsesClient().responses.create({
      model: "behalf",
      input: question,
    });
    expect(response.output_text).toContain(westAverage());
  });

  it("follows a stream to the final response", async () => {
    const stream = responsesClient().responses.stream({
      model: "behalf",
      input: question,
    });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
    }
    const final = await stream.finalResponse();
    expect(seen[0]).toBe("response.created");
    expect(seen).toContain("response.content_part.added");
    expect(seen.at(-1)).toBe("response.completed");
    expect(final.output_text).toContain(westAverage());
    expect(final.output.map((item) => item.type)).toContain("function_call");
  });
});

describe("the trace id header", () => {
  const traceHeader = { "x-mlflow-return-trace-id": "true" };

  it("adds metadata.trace_id to a JSON response", async () => {
    const response = await post("/responses", { input: question }, traceHeader);
    const body = (await response.json()) as { metadata: { trace_id?: string } };
    expect(body.metadata.trace_id).toMatch(/^tr-[0-9a-f]{32}$/);
  });

  it("adds a trace_id event before [DONE] to a stream", async () => {
    const response = await post(
      "/responses",
      { input: question, stream: true },
      traceHeader,
    );
    const data = await readSseData(response);
    expect(data.at(-1)).toBe("[DONE]");
    expect(JSON.parse(data.at(-2) ?? "{}")).toEqual({
      trace_id: expect.stringMatching(/^tr-[0-9a-f]{32}$/),
    });
  });

  it("adds nothing without the header", async () => {
    const response = await post("/responses", { input: question });
    const body = (await response.json()) as {
      metadata: Record<string, unknown>;
    };
    expect(body.metadata.trace_id).toBeUndefined();

    const streamed = await post("/invocations", {
      messages: [{ role: "user", content: question }],
      stream: true,
    });
    const data = await readSseData(streamed);
    expect(data.some((item) => item.includes("trace_id"))).toBe(false);
  });

  it("gives each turn its own id", async () => {
    const ids = new Set<string>();
    for (let turn = 0; turn < 2; turn++) {
      const response = await post(
        "/invocations",
        { messages: [{ role: "user", content: question }] },
        traceHeader,
      );
      const body = (await response.json()) as {
        metadata: { trace_id: string };
      };
      ids.add(body.metadata.trace_id);
    }
    expect(ids.size).toBe(2);
  });
});
