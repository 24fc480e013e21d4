import { randomInt } from "node:crypto";
import { type ModelMessage, tool } from "ai";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { serveOnLoopback } from "../../test/helpers/loopback-server.js";
import { CancelledError, UpstreamError } from "../errors/errors.js";
import type { AgentEvent } from "./agent-events.js";
import {
  containsAssistantTurns,
  normalizeHistory,
} from "./conversation-history.js";
import { InMemoryConversationStore } from "./conversation-store.js";
import { Conversations } from "./conversations.js";
import { type AgentDependencies, runAgent } from "./run-agent.js";
import { createServingModel } from "./serving-model.js";
import { TurnTranscript } from "./turn-transcript.js";

/*
 * Property test of the stored history invariant: every tool call id is unique and has
 * exactly one result, which follows the call before the next assistant or user message.
 *
 * The test generates random agent turns: text, tool calls with fresh or repeated ids,
 * results, errors, results for unknown ids, and aborts at any point. Each turn is
 * recorded as startAgentTurn in src/server/agent-turn.ts records one. The stored
 * history is normalized with the new user message, the events build a TurnTranscript,
 * and Conversations.save stores the result. After every turn the test checks the stored
 * history, then replays it through runAgent and the serving model to a chat endpoint on
 * 127.0.0.1 that rejects any request breaking the invariant.
 *
 * Each run starts from a random seed. HISTORY_PROPERTY_SEED fixes the first seed and
 * HISTORY_PROPERTY_CASES the number of conversations, and a failure prints the seed
 * that replays it.
 */

const caseCount = Number(process.env.HISTORY_PROPERTY_CASES ?? 150);
const firstSeed = Number(
  process.env.HISTORY_PROPERTY_SEED ?? randomInt(2 ** 32),
);

/** A conversation took about 11 ms on 2 cores, so this leaves room for a loaded machine. */
const timeout = Math.max(30_000, caseCount * 200);

const toolNames = ["flights", "wildlife_strikes", "flights_sql"] as const;

/** mulberry32, a seeded generator with a 32-bit state: enough to vary test cases, not for secrets. */
class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Returns a number from 0 (inclusive) to 1 (exclusive). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let value = this.#state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  }

  /** Returns a whole number from 0 to `limit - 1`. */
  integer(limit: number): number {
    return Math.floor(this.next() * limit);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new Error("pick needs at least one item.");
    }
    return items[this.integer(items.length)] as T;
  }
}

interface Call {
  id: string;
  toolName: string;
}

/** Tool outputs, including values JSON cannot hold (undefined inside and at the top). */
const outputs: unknown[] = [
  { rows: [[10.21, 1652]], rowCount: 1 },
  null,
  undefined,
  "plain text",
  [1, undefined, "two"],
  { nested: { missing: undefined, value: 3 } },
  42,
];

/**
 * Returns the events of one random agent turn. `historyIds` are the call ids already
 * stored, so a turn can repeat them as a model that numbers its calls afresh would.
 */
function randomTurnEvents(
  random: SeededRandom,
  historyIds: readonly string[],
): AgentEvent[] {
  const events: AgentEvent[] = [];
  const open: Call[] = [];
  const answered: Call[] = [];
  const textIds: string[] = [];

  const newCallId = (): string => {
    const kind = random.integer(10);
    if (kind < 2 && historyIds.length > 0) {
      return random.pick(historyIds);
    }
    if (kind < 4 && answered.length + open.length > 0) {
      return random.pick([...answered, ...open]).id;
    }
    if (kind < 5) {
      // Looks like a renamed id, so renaming must not collide with it.
      return `call_${random.integer(4)}_2`;
    }
    // A small pool, so ids also repeat by chance.
    return `call_${random.integer(8)}`;
  };

  const resultTarget = (): Call => {
    const kind = random.integer(10);
    if (kind < 6 && open.length > 0) {
      const call = open.splice(random.integer(open.length), 1)[0] as Call;
      answered.push(call);
      return call;
    }
    if (kind < 8 && answered.length > 0) {
      return random.pick(answered);
    }
    if (kind < 9 && historyIds.length > 0) {
      return { id: random.pick(historyIds), toolName: random.pick(toolNames) };
    }
    return { id: `unknown_${random.integer(4)}`, toolName: "flights" };
  };

  const length = random.integer(14);
  for (let step = 0; step < length; step++) {
    switch (random.integer(9)) {
      case 0:
      case 1: {
        const id = random.chance(0.2)
          ? random.pick([...textIds, "text-0"])
          : `text-${textIds.length}`;
        textIds.push(id);
        events.push({ type: "text-start", id });
        for (let delta = random.integer(3); delta > 0; delta--) {
          events.push({
            type: "text-delta",
            id: random.chance(0.9) ? id : random.pick([...textIds, "lost"]),
            delta: random.pick(["", "The answer", " is 42."]),
          });
        }
        events.push({ type: "text-end", id });
        break;
      }
      case 2:
      case 3: {
        const call = { id: newCallId(), toolName: random.pick(toolNames) };
        open.push(call);
        events.push({
          type: "tool-call",
          toolCallId: call.id,
          toolName: call.toolName,
          input: random.chance(0.8)
            ? { question: `question ${random.integer(100)}` }
            : undefined,
        });
        break;
      }
      case 4:
      case 5: {
        const call = resultTarget();
        events.push({
          type: "tool-result",
          toolCallId: call.id,
          toolName: call.toolName,
          output: random.pick(outputs),
        });
        break;
      }
      case 6: {
        const call = resultTarget();
        events.push({
          type: "tool-error",
          toolCallId: call.id,
          toolName: call.toolName,
          error: { code: "GENIE_MESSAGE_FAILED", message: "Genie failed." },
        });
        break;
      }
      case 7: {
        const call = random.pick([
          ...open,
          { id: "unknown_progress", toolName: "flights" },
        ]);
        events.push({
          type: "tool-progress",
          toolCallId: call.id,
          toolName: call.toolName,
          status: "EXECUTING_QUERY",
        });
        break;
      }
      default:
        break;
    }
  }

  switch (random.integer(4)) {
    case 0:
      // A finished turn: runAgent gives every call a result before `finish`.
      for (const call of open.splice(0)) {
        events.push({
          type: "tool-result",
          toolCallId: call.id,
          toolName: call.toolName,
          output: { text: "late" },
        });
      }
      events.push({
        type: "finish",
        modelId: "test-model",
        finishReason: "stop",
        usage: {
          inputTokens: undefined,
          outputTokens: undefined,
          totalTokens: undefined,
        },
      });
      return events;
    case 1: {
      // A cancelled turn: runAgent closes the open calls, then reports the error.
      const cancelled = new CancelledError();
      for (const call of open.splice(0)) {
        events.push({
          type: "tool-error",
          toolCallId: call.id,
          toolName: call.toolName,
          error: { code: cancelled.code, message: cancelled.message },
        });
      }
      events.push({ type: "error", error: cancelled });
      return events;
    }
    case 2:
      // A failure that left calls open.
      events.push({
        type: "error",
        error: new UpstreamError("The model endpoint failed."),
      });
      return events;
    default:
      // An abort at any point: the stream stops and nothing more arrives.
      return events.slice(0, random.integer(events.length + 1));
  }
}

/** Returns every break of the stored history invariant, empty for a valid history. */
function historyProblems(messages: readonly ModelMessage[]): string[] {
  const problems: string[] = [];
  const calledIds = new Set<string>();
  const waiting = new Set<string>();

  for (const [index, message] of messages.entries()) {
    if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") {
          continue;
        }
        if (!waiting.delete(part.toolCallId)) {
          problems.push(
            `message ${index}: result for ${part.toolCallId}, which has no call waiting for it`,
          );
        }
      }
      continue;
    }

    if (waiting.size > 0) {
      problems.push(
        `message ${index}: calls ${[...waiting].join(", ")} have no result before it`,
      );
      waiting.clear();
    }
    if (message.role !== "assistant" || typeof message.content === "string") {
      continue;
    }
    for (const part of message.content) {
      if (part.type === "tool-result") {
        problems.push(`message ${index}: a tool result inside a message`);
      }
      if (part.type !== "tool-call") {
        continue;
      }
      if (calledIds.has(part.toolCallId)) {
        problems.push(`message ${index}: call id ${part.toolCallId} repeated`);
      }
      calledIds.add(part.toolCallId);
      waiting.add(part.toolCallId);
    }
  }
  if (waiting.size > 0) {
    problems.push(`calls ${[...waiting].join(", ")} have no result at the end`);
  }
  return problems;
}

interface ChatMessage {
  role: string;
  tool_calls?: { id: string }[];
  tool_call_id?: string;
}

/**
 * Returns what a strict chat endpoint rejects in a request's messages: a repeated call
 * id, a tool message without a call waiting for it, or a call whose result does not
 * come before the next non-tool message.
 */
function chatRequestProblems(messages: readonly ChatMessage[]): string[] {
  const problems: string[] = [];
  const calledIds = new Set<string>();
  const waiting = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (message.role === "tool") {
      if (!waiting.delete(message.tool_call_id ?? "")) {
        problems.push(
          `messages[${index}]: tool_call_id ${message.tool_call_id} answers no waiting call`,
        );
      }
      continue;
    }
    if (waiting.size > 0) {
      problems.push(
        `messages[${index}]: tool calls ${[...waiting].join(", ")} have no tool message`,
      );
      waiting.clear();
    }
    for (const call of message.tool_calls ?? []) {
      if (calledIds.has(call.id)) {
        problems.push(`messages[${index}]: tool call id ${call.id} repeated`);
      }
      calledIds.add(call.id);
      waiting.add(call.id);
    }
  }
  if (waiting.size > 0) {
    problems.push(`tool calls ${[...waiting].join(", ")} have no tool message`);
  }
  return problems;
}

interface StrictChatEndpoint {
  url: string;
  /** Problems of every rejected request, in order. */
  rejections: string[][];
  requestCount: number;
  close(): Promise<void>;
}

/**
 * Starts a serving endpoint on 127.0.0.1 that returns text for a valid chat request and
 * rejects any other with 400.
 */
async function startStrictChatEndpoint(): Promise<StrictChatEndpoint> {
  const endpoint = {
    rejections: [] as string[][],
    requestCount: 0,
  };
  const app = new Hono();
  app.post("/serving-endpoints/chat/completions", async (context) => {
    endpoint.requestCount += 1;
    const body = (await context.req.json()) as { messages: ChatMessage[] };
    const problems = chatRequestProblems(body.messages);
    if (problems.length > 0) {
      endpoint.rejections.push(problems);
      return context.json(
        { error_code: "BAD_REQUEST", message: problems.join("; ") },
        400,
      );
    }
    const chunk = (choices: object[], extra: object = {}) =>
      `data: ${JSON.stringify({
        id: "chatcmpl-strict",
        object: "chat.completion.chunk",
        created: 0,
        model: "strict-chat",
        choices,
        ...extra,
      })}\n\n`;
    const stream =
      chunk([
        {
          index: 0,
          delta: { role: "assistant", content: "Replayed." },
          finish_reason: null,
        },
      ]) +
      chunk([{ index: 0, delta: {}, finish_reason: "stop" }]) +
      chunk([], {
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }) +
      "data: [DONE]\n\n";
    return new Response(stream, {
      headers: { "Content-Type": "text/event-stream" },
    });
  });

  const server = await serveOnLoopback(app.fetch);
  return Object.assign(endpoint, {
    url: server.url,
    close: server.close,
  });
}

let endpoint: StrictChatEndpoint;
let agent: AgentDependencies;

beforeAll(async () => {
  endpoint = await startStrictChatEndpoint();
  const unusedTool = (name: string) =>
    tool({
      description: `The ${name} tool; the replay never runs it.`,
      inputSchema: z.object({ question: z.string() }),
      execute: async (): Promise<string> => {
        throw new Error(`${name} must not run during a replay.`);
      },
    });
  agent = {
    model: createServingModel({
      host: endpoint.url,
      endpoint: "strict-chat",
      appCredentials: {
        kind: "token",
        authorization: async () => "Bearer app-token",
      },
    }),
    tools: Object.fromEntries(
      toolNames.map((name) => [name, unusedTool(name)]),
    ),
    settings: {
      systemPrompt: "Answer from the tools.",
      temperature: 0,
      maxTokens: 64,
      endpoint: "strict-chat",
      maxSteps: 2,
      maxToolCalls: 8,
      maxConsecutiveToolFailures: 3,
      turnDeadlineSeconds: 30,
    },
  };
});

afterAll(async () => {
  await endpoint?.close();
});

/** Returns the problems found when `history` is sent to the model as the next turn. */
async function replayProblems(history: ModelMessage[]): Promise<string[]> {
  const requestsBefore = endpoint.requestCount;
  const rejectionsBefore = endpoint.rejections.length;
  const problems: string[] = [];
  const events = runAgent(agent, {
    messages: [...history, { role: "user", content: "And now?" }],
    signal: AbortSignal.timeout(10_000),
  });
  for await (const event of events) {
    if (event.type === "error") {
      problems.push(
        `replay failed: ${event.error.code}: ${event.error.message}`,
      );
    }
  }
  if (endpoint.requestCount === requestsBefore) {
    problems.push("replay sent no request to the chat endpoint");
  }
  for (const rejection of endpoint.rejections.slice(rejectionsBefore)) {
    problems.push(...rejection.map((problem) => `endpoint: ${problem}`));
  }
  return problems;
}

/** Returns every call id in a history, renamed ones included. */
function callIdsOf(messages: readonly ModelMessage[]): string[] {
  return messages.flatMap((message) =>
    message.role === "assistant" && Array.isArray(message.content)
      ? message.content
          .filter((part) => part.type === "tool-call")
          .map((part) => part.toolCallId)
      : [],
  );
}

/** Returns the history as a client might send it back, with messages dropped, repeated or moved to the end. */
function clientCopy(
  random: SeededRandom,
  messages: readonly ModelMessage[],
): ModelMessage[] {
  const copy = structuredClone([...messages]);
  for (let change = random.integer(4); change > 0; change--) {
    const index = random.integer(copy.length);
    const message = copy[index];
    if (message === undefined) {
      break;
    }
    switch (random.integer(3)) {
      case 0:
        copy.splice(index, 1);
        break;
      case 1:
        copy.splice(index, 0, structuredClone(message));
        break;
      default:
        copy.splice(index, 1);
        copy.push(message);
        break;
    }
  }
  return copy;
}

/**
 * Plays one random conversation of one to four turns, recording each turn as the
 * server does, and returns the first problem found with the events that caused it.
 */
async function playConversation(seed: number): Promise<string | undefined> {
  const random = new SeededRandom(seed);
  const store = new InMemoryConversationStore();
  // A small limit sometimes, so trimming runs on histories with calls in them.
  const conversations = new Conversations(store, {
    maxHistoryMessages: random.chance(0.3) ? 2 + random.integer(8) : 200,
  });
  const turns = 1 + random.integer(4);

  for (let turn = 0; turn < turns; turn++) {
    const record = await conversations.open("conversation", "alice");
    const question: ModelMessage = {
      role: "user",
      content: `question ${turn}`,
    };
    // Some clients send the whole conversation back, possibly damaged, and the server
    // then uses it in place of the stored history.
    const request =
      record.messages.length > 0 && random.chance(0.25)
        ? [...clientCopy(random, record.messages), question]
        : [question];
    const history = normalizeHistory(
      containsAssistantTurns(request)
        ? request
        : [...record.messages, ...request],
    );
    const events = randomTurnEvents(random, callIdsOf(history));
    const transcript = new TurnTranscript();
    for (const event of events) {
      transcript.accept(event);
    }
    await conversations.save(record, [...history, ...transcript.messages()]);

    const stored = (await store.get("conversation"))?.messages ?? [];
    const problems = historyProblems(stored);
    if (problems.length === 0) {
      problems.push(...(await replayProblems(stored)));
    }
    if (problems.length > 0) {
      return [
        `turn ${turn + 1} of ${turns}:`,
        ...problems,
        `request: ${JSON.stringify(request)}`,
        `events: ${JSON.stringify(events)}`,
        `stored history: ${JSON.stringify(stored)}`,
      ].join("\n");
    }
  }
  return undefined;
}

describe("stored history invariant", () => {
  it("holds for random turns and replays", { timeout }, async () => {
    for (let offset = 0; offset < caseCount; offset++) {
      const seed = (firstSeed + offset) >>> 0;
      let failure: string | undefined;
      try {
        failure = await playConversation(seed);
      } catch (error) {
        failure = `threw ${(error as Error).stack ?? String(error)}`;
      }
      if (failure !== undefined) {
        expect.fail(
          `Seed ${seed} breaks the history invariant. Replay it with ` +
            `HISTORY_PROPERTY_SEED=${seed} HISTORY_PROPERTY_CASES=1 npx vitest run src/agent/history-invariant.test.ts\n${failure}`,
        );
      }
    }
  });
});
