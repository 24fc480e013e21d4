import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  endpointName,
  type RunningServer,
  startServingTestServer,
} from "./test-support.js";

const question = "What was the average departure delay in February 2001?";

const genieAnswer = {
  space: "Flights",
  status: "COMPLETED",
  text: "Average departure delay and number of flights in February 2001.",
  description: "Average departure delay and number of flights in one month.",
  sql: "SELECT ROUND(AVG(delay), 2) ...",
  columns: [
    { name: "avg_departure_delay_minutes", type: "DECIMAL" },
    { name: "flight_count", type: "LONG" },
  ],
  rows: [[7.23, 5964]],
  rowCount: 1,
  rowsShown: 1,
  truncated: false,
  suggestedQuestions: [],
};

let server: RunningServer;

beforeAll(async () => {
  server = await startServingTestServer();
});

afterAll(async () => {
  await server.close();
});

function setUp() {
  const received: string[] = [];
  const provider = createOpenAICompatible({
    name: "databricks",
    baseURL: `${server.url}/serving-endpoints`,
    apiKey: "alice",
    includeUsage: true,
  });
  const tools = {
    ask_flights_genie: tool({
      description: "Answers questions about US flight delays and departures.",
      inputSchema: z.object({ question: z.string() }),
      execute: async (input: { question: string }) => {
        received.push(input.question);
        return genieAnswer;
      },
    }),
    run_sql: tool({
      description: "Runs a read-only SQL statement on the warehouse.",
      inputSchema: z.object({ statement: z.string() }),
      execute: async () => ({ error: { code: "UNUSED", message: "unused" } }),
    }),
  };
  return { model: provider.chatModel(endpointName), tools, received };
}

describe("AI SDK round trip", () => {
  it("generateText calls the tool and writes the answer", async () => {
    const { model, tools, received } = setUp();

    const result = await generateText({
      model,
      tools,
      stopWhen: stepCountIs(3),
      prompt: question,
    });

    expect(received).toEqual([question]);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.finishReason).toBe("tool-calls");
    expect(result.finishReason).toBe("stop");
    expect(result.text).toContain("avg_departure_delay_minutes = 7.23");
    expect(result.text).toContain("flight_count = 5964");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("streamText calls the tool and streams the answer", async () => {
    const { model, tools, received } = setUp();

    const result = streamText({
      model,
      tools,
      stopWhen: stepCountIs(3),
      prompt: question,
    });
    let streamed = "";
    for await (const delta of result.textStream) {
      streamed += delta;
    }

    expect(received).toEqual([question]);
    expect((await result.steps).length).toBe(2);
    expect(await result.finishReason).toBe("stop");
    expect(streamed).toContain("avg_departure_delay_minutes = 7.23");
    expect(streamed).toContain("flight_count = 5964");
    expect(streamed).toBe(await result.text);
    expect((await result.totalUsage).outputTokens).toBeGreaterThan(0);
  });
});
