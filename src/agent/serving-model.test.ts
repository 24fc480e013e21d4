import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  generateText,
  type ModelMessage,
  stepCountIs,
  streamText,
  tool,
} from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import type { AppCredentials } from "../databricks/app-credentials.js";
import {
  createServingModel,
  toolCallOnlyContent,
  toServingRequestBody,
} from "./serving-model.js";

const appCredentials: AppCredentials = {
  kind: "token",
  authorization: async () => "Bearer app-token",
};

const tools = {
  flights_sql: tool({
    description: "Runs one read-only SQL statement.",
    inputSchema: z.object({ statement: z.string() }),
    strict: true,
    execute: async () => ({ rows: [[1652]] }),
  }),
  current_time: tool({
    description: "Returns the current time.",
    inputSchema: z.object({}),
    execute: async () => ({ time: "2001-02-28T12:00:00Z" }),
  }),
};

/** A conversation that already went through one tool round, as a client replays it. */
const history: ModelMessage[] = [
  { role: "user", content: "How many flights left in February?" },
  {
    role: "assistant",
    content: [
      { type: "text", text: "" },
      {
        type: "tool-call",
        toolCallId: "call-1",
        toolName: "flights_sql",
        input: { statement: "SELECT COUNT(*) FROM samples.aviation.flights" },
      },
    ],
  },
  {
    role: "tool",
    content: [
      {
        type: "tool-result",
        toolCallId: "call-1",
        toolName: "flights_sql",
        output: { type: "json", value: { rows: [[1652]] } },
      },
    ],
  },
  { role: "assistant", content: "1652 flights." },
  { role: "user", content: "And what time is it?" },
];

const expectedTools = [
  {
    type: "function",
    function: {
      name: "flights_sql",
      description: "Runs one read-only SQL statement.",
      parameters: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { statement: { type: "string" } },
        required: ["statement"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "current_time",
      description: "Returns the current time.",
      parameters: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: {},
        additionalProperties: false,
      },
    },
  },
];

const expectedHistory = [
  { role: "system", content: "Answer briefly." },
  { role: "user", content: "How many flights left in February?" },
  {
    role: "assistant",
    content: toolCallOnlyContent,
    tool_calls: [
      {
        id: "call-1",
        type: "function",
        function: {
          name: "flights_sql",
          arguments:
            '{"statement":"SELECT COUNT(*) FROM samples.aviation.flights"}',
        },
      },
    ],
  },
  { role: "tool", tool_call_id: "call-1", content: '{"rows":[[1652]]}' },
  { role: "assistant", content: "1652 flights." },
  { role: "user", content: "And what time is it?" },
];

/** The assistant turn of the second model call: the tool call the model made in step one. */
const expectedToolRound = [
  {
    role: "assistant",
    content: toolCallOnlyContent,
    tool_calls: [
      {
        id: "call-2",
        type: "function",
        function: { name: "current_time", arguments: "{}" },
      },
    ],
  },
  {
    role: "tool",
    tool_call_id: "call-2",
    content: '{"time":"2001-02-28T12:00:00Z"}',
  },
];

let scripted: ScriptedServer | undefined;
let streaming: Server | undefined;
afterEach(async () => {
  await scripted?.close();
  scripted = undefined;
  await new Promise<void>((resolve) => {
    if (streaming === undefined) {
      resolve();
      return;
    }
    streaming.closeAllConnections();
    streaming.close(() => resolve());
  });
  streaming = undefined;
});

function completion(message: Record<string, unknown>, finishReason: string) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_000_000,
    model: "databricks-claude-sonnet",
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

describe("requests to the serving endpoint", () => {
  it("are pinned through generateText with tools and history", async () => {
    // The scripted model returns content "" with its tool call, as some servers do.
    scripted = await startScriptedServer((_, index) => ({
      body:
        index === 0
          ? completion(
              {
                role: "assistant",
                content: "",
                tool_calls: [
                  {
                    id: "call-2",
                    type: "function",
                    function: { name: "current_time", arguments: "{}" },
                  },
                ],
              },
              "tool_calls",
            )
          : completion({ role: "assistant", content: "It is noon." }, "stop"),
    }));
    const model = createServingModel({
      host: scripted.url,
      endpoint: "databricks-claude-sonnet",
      appCredentials,
    });

    const result = await generateText({
      model,
      system: "Answer briefly.",
      messages: history,
      tools,
      temperature: 0,
      maxOutputTokens: 256,
      stopWhen: stepCountIs(3),
    });

    expect(result.text).toBe("It is noon.");
    const requests = scripted.requests;
    expect(requests.map((request) => request.path)).toEqual([
      "/serving-endpoints/chat/completions",
      "/serving-endpoints/chat/completions",
    ]);
    expect(requests[0]?.headers.authorization).toBe("Bearer app-token");
    const common = {
      model: "databricks-claude-sonnet",
      max_tokens: 256,
      temperature: 0,
      tools: expectedTools,
      tool_choice: "auto",
    };
    expect(JSON.parse(requests[0]?.body ?? "")).toEqual({
      ...common,
      messages: expectedHistory,
    });
    expect(JSON.parse(requests[1]?.body ?? "")).toEqual({
      ...common,
      messages: [...expectedHistory, ...expectedToolRound],
    });
  });

  it("are pinned through streamText", async () => {
    const bodies: unknown[] = [];
    streaming = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk) => {
        text += chunk;
      });
      request.on("end", () => {
        bodies.push(JSON.parse(text));
        response.writeHead(200, { "Content-Type": "text/event-stream" });
        const chunks = [
          { role: "assistant", content: "Noon" },
          { content: "." },
        ].map((delta, index) => ({
          id: "chatcmpl-2",
          object: "chat.completion.chunk",
          created: 1_000_000,
          model: "databricks-claude-sonnet",
          choices: [
            { index: 0, delta, finish_reason: index === 1 ? "stop" : null },
          ],
        }));
        for (const chunk of chunks) {
          response.write(`data: ${JSON.stringify(chunk)}\n\n`);
        }
        response.end("data: [DONE]\n\n");
      });
    });
    await new Promise<void>((resolve) =>
      streaming?.listen(0, "127.0.0.1", resolve),
    );
    const port = (streaming.address() as AddressInfo).port;
    const model = createServingModel({
      host: `http://127.0.0.1:${port}`,
      endpoint: "databricks-claude-sonnet",
      appCredentials,
    });

    const result = streamText({
      model,
      system: "Answer briefly.",
      messages: history,
      tools,
      temperature: 0,
      maxOutputTokens: 256,
    });

    expect(await result.text).toBe("Noon.");
    expect(bodies).toEqual([
      {
        model: "databricks-claude-sonnet",
        max_tokens: 256,
        temperature: 0,
        messages: expectedHistory,
        tools: expectedTools,
        tool_choice: "auto",
        stream: true,
        stream_options: { include_usage: true },
      },
    ]);
  });
});

describe("toServingRequestBody", () => {
  it("gives a tool without parameters an empty object schema", () => {
    const body = toServingRequestBody({
      tools: [{ type: "function", function: { name: "ping", strict: false } }],
    });
    expect(body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "ping",
          parameters: { type: "object", properties: {} },
        },
      },
    ]);
  });

  it.each([
    [null, toolCallOnlyContent],
    ["", toolCallOnlyContent],
    ["  ", toolCallOnlyContent],
    [[{ type: "text", text: "" }], toolCallOnlyContent],
    [
      [
        { type: "text", text: "" },
        { type: "text", text: "Checking." },
      ],
      [{ type: "text", text: "Checking." }],
    ],
    ["Checking.", "Checking."],
  ])(
    "replaces assistant content %j next to tool calls",
    (content, expected) => {
      const toolCalls = [
        { id: "c", type: "function", function: { name: "f", arguments: "{}" } },
      ];
      const body = toServingRequestBody({
        messages: [{ role: "assistant", content, tool_calls: toolCalls }],
      });
      expect(body.messages).toEqual([
        { role: "assistant", content: expected, tool_calls: toolCalls },
      ]);
    },
  );

  it("leaves messages without tool calls as they are", () => {
    const messages = [
      { role: "user", content: "" },
      { role: "assistant", content: "" },
    ];
    expect(toServingRequestBody({ messages }).messages).toEqual(messages);
  });
});
