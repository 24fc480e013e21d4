import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  endpointName,
  type RunningServer,
  startServingTestServer,
} from "./test-support.js";

const question = "What was the average departure delay in February 2001?";

const flightsTool = {
  type: "function",
  function: {
    name: "ask_flights_genie",
    description: "Answers questions about US flight delays and departures.",
    parameters: {
      type: "object",
      properties: { question: { type: "string" } },
      required: ["question"],
    },
  },
};

let server: RunningServer;

beforeAll(async () => {
  server = await startServingTestServer();
});

afterAll(async () => {
  await server.close();
});

function post(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function chat(token: string, body: Record<string, unknown>): Promise<Response> {
  return post("/serving-endpoints/chat/completions", token, {
    model: endpointName,
    messages: [{ role: "user", content: question }],
    ...body,
  });
}

/** Parses an SSE body into its `data:` payloads. */
async function readEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}

describe("serving access", () => {
  it("rejects a token without a serving scope", async () => {
    const response = await chat("genieOnly", {});

    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.error_code).toBe("PERMISSION_DENIED");
    expect(body.message).toContain("model-serving");
  });

  it("rejects an unknown token", async () => {
    const response = await chat("nobody", {});

    expect(response.status).toBe(401);
    expect((await response.json()).error_code).toBe("UNAUTHENTICATED");
  });

  it.each(["alice", "legacy", "admin"])("accepts %s", async (token) => {
    const response = await chat(token, {});

    expect(response.status).toBe(200);
  });

  it("rejects a principal without CAN_QUERY", async () => {
    const response = await chat("outsider", {});

    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.error_code).toBe("PERMISSION_DENIED");
    expect(body.message).toContain(endpointName);
  });

  it("reports an unknown endpoint", async () => {
    const response = await chat("alice", { model: "no-such-endpoint" });

    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(body.message).toContain("no-such-endpoint");
  });
});

describe("serving request validation", () => {
  it.each([
    [{ model: endpointName }, "'messages'"],
    [{ model: endpointName, messages: [] }, "'messages'"],
    [
      { model: endpointName, messages: [{ role: "robot", content: "hi" }] },
      "'messages[0].role'",
    ],
    [
      {
        model: endpointName,
        messages: [{ role: "user", content: "hi" }],
        stream: "yes",
      },
      "'stream'",
    ],
    [{ messages: [{ role: "user", content: "hi" }] }, "'model'"],
    ["{not json", "JSON"],
  ])("rejects %j", async (body, fieldName) => {
    const response = await post(
      "/serving-endpoints/chat/completions",
      "alice",
      body,
    );

    expect(response.status).toBe(400);
    const error = await response.json();
    expect(error.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(error.message).toContain(fieldName);
  });

  it("rejects a forced tool that is not offered", async () => {
    const response = await chat("alice", {
      tools: [flightsTool],
      tool_choice: { type: "function", function: { name: "missing_tool" } },
    });

    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain("missing_tool");
  });
});

describe("offline-router responses", () => {
  it("returns a tool call completion", async () => {
    const response = await chat("alice", { tools: [flightsTool] });
    const body = await response.json();

    expect(response.headers.get("served-model-name")).toBe("offline-router");
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("offline-router");
    expect(body.metadata).toEqual({
      planner: "offline-router",
      note: "deterministic planner, not a language model",
    });
    const choice = body.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: {
          name: "ask_flights_genie",
          arguments: JSON.stringify({ question }),
        },
      },
    ]);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(
      body.usage.prompt_tokens + body.usage.completion_tokens,
    );
  });

  it("serves the invocations route", async () => {
    const response = await post(
      `/serving-endpoints/${endpointName}/invocations`,
      "alice",
      {
        messages: [{ role: "user", content: question }],
        tools: [flightsTool],
      },
    );
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body.choices[0].message.tool_calls[0].function.name).toBe(
      "ask_flights_genie",
    );
  });

  it("streams a tool call", async () => {
    const response = await chat("alice", {
      tools: [flightsTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    const events = await readEvents(response);
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));

    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(events.at(-1)).toBe("[DONE]");
    for (const chunk of chunks) {
      expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunk.model).toBe("offline-router");
    }
    expect(chunks[0].choices[0].delta).toEqual({
      role: "assistant",
      content: "",
    });
    expect(chunks[1].choices[0].delta.tool_calls).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "ask_flights_genie", arguments: "" },
      },
    ]);
    expect(chunks[2].choices[0].delta.tool_calls).toEqual([
      { index: 0, function: { arguments: JSON.stringify({ question }) } },
    ]);
    expect(chunks[3].choices[0]).toEqual({
      index: 0,
      delta: {},
      finish_reason: "tool_calls",
    });
    expect(chunks[4].choices).toEqual([]);
    expect(chunks[4].usage.completion_tokens).toBeGreaterThan(0);
    expect(chunks).toHaveLength(5);
  });

  it("streams text in pieces that join to the full answer", async () => {
    const messages = [{ role: "user", content: "Tell me a joke" }];
    const whole = await (
      await chat("alice", { messages, tools: [flightsTool] })
    ).json();
    const response = await chat("alice", {
      messages,
      tools: [flightsTool],
      stream: true,
    });
    const chunks = (await readEvents(response))
      .slice(0, -1)
      .map((event) => JSON.parse(event));
    const pieces = chunks
      .map((chunk) => chunk.choices[0]?.delta?.content)
      .filter((content) => typeof content === "string" && content !== "");

    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(whole.choices[0].message.content);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });
});
