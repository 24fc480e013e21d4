import { tool } from "ai";
import { convertArrayToReadableStream, MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AuthenticationError,
  GenieMessageFailedError,
} from "../errors/errors.js";
import type { AgentEvent } from "./agent-events.js";
import { runAgent } from "./run-agent.js";

const settings = {
  systemPrompt: "Answer from the tools.",
  temperature: 0,
  maxTokens: 256,
  endpoint: "test-endpoint",
  maxSteps: 6,
  maxToolCalls: 8,
  maxConsecutiveToolFailures: 3,
  turnDeadlineSeconds: 30,
};

/** Returns a model that calls the `flights` and `airports` tools in parallel on every call. */
function parallelCallsModel(): MockLanguageModelV3 {
  let calls = 0;
  return new MockLanguageModelV3({
    doStream: async () => {
      calls += 1;
      return {
        stream: convertArrayToReadableStream([
          { type: "stream-start", warnings: [] },
          {
            type: "tool-call",
            toolCallId: `flights-${calls}`,
            toolName: "flights",
            input: JSON.stringify({ question: "February delays" }),
          },
          {
            type: "tool-call",
            toolCallId: `airports-${calls}`,
            toolName: "airports",
            input: JSON.stringify({ question: "Airports in Texas" }),
          },
          {
            type: "finish",
            finishReason: { unified: "tool-calls", raw: "tool_calls" },
            usage: {
              inputTokens: {
                total: 10,
                noCache: 10,
                cacheRead: undefined,
                cacheWrite: undefined,
              },
              outputTokens: { total: 5, text: 5, reasoning: undefined },
            },
          },
        ]),
      };
    },
  });
}

const questionInput = z.object({ question: z.string() });

/** A tool that returns after a second unless its call is aborted first, and counts both. */
function slowTool() {
  const counts = { calls: 0, aborted: 0 };
  return {
    counts,
    tool: tool({
      inputSchema: questionInput,
      execute: (_input, { abortSignal }) => {
        counts.calls += 1;
        return new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => resolve("Texas has 209 airports."),
            1000,
          );
          abortSignal?.addEventListener("abort", () => {
            clearTimeout(timer);
            counts.aborted += 1;
            reject(new Error("aborted"));
          });
        });
      },
    }),
  };
}

async function collect(events: AsyncIterable<AgentEvent>) {
  const collected: AgentEvent[] = [];
  for await (const event of events) {
    collected.push(event);
  }
  return collected;
}

function run(
  model: MockLanguageModelV3,
  tools: Parameters<typeof runAgent>[0]["tools"],
) {
  return collect(
    runAgent(
      { model, tools, settings },
      {
        messages: [{ role: "user", content: "February delays?" }],
        signal: new AbortController().signal,
      },
    ),
  );
}

describe("runAgent with a rejected credential", () => {
  it("ends the turn at once with the error", async () => {
    const model = parallelCallsModel();
    const airports = slowTool();
    const expired = new AuthenticationError(
      "Genie (get message 01f0) rejected the credential (401). Sign in again to get a new token.",
    );
    const events = await run(model, {
      flights: tool({
        inputSchema: questionInput,
        execute: async (): Promise<string> => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw expired;
        },
      }),
      airports: airports.tool,
    });

    expect(model.doStreamCalls).toHaveLength(1);
    expect(airports.counts).toEqual({ calls: 1, aborted: 1 });
    expect(events.map((event) => event.type)).toEqual([
      "tool-call",
      "tool-call",
      "tool-error",
      "tool-error",
      "error",
    ]);
    expect(events[2]).toEqual({
      type: "tool-error",
      toolCallId: "flights-1",
      toolName: "flights",
      error: { code: "UNAUTHENTICATED", message: expired.message },
    });
    expect(events[3]).toMatchObject({
      type: "tool-error",
      toolCallId: "airports-1",
      error: {
        code: "UNAUTHENTICATED",
        message: expect.stringContaining("rejected the user's credential"),
      },
    });
    expect(events[4]).toEqual({ type: "error", error: expired });
  });

  it("goes on after another tool failure", async () => {
    const model = parallelCallsModel();
    const events = await run(model, {
      flights: tool({
        inputSchema: questionInput,
        execute: async (): Promise<string> => {
          throw new GenieMessageFailedError(
            "FAILED",
            "Genie could not answer.",
          );
        },
      }),
      airports: tool({
        inputSchema: questionInput,
        execute: async () => "Texas has 209 airports.",
      }),
    });

    // The model is called again after the failure, until its third identical request.
    expect(model.doStreamCalls).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      type: "finish",
      stop: { reason: "repeated-tool-call" },
    });
  });
});
