import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import {
  containsAssistantTurns,
  missingResultCode,
  normalizeHistory,
  trimHistory,
} from "./conversation-history.js";

function call(toolCallId: string): ModelMessage {
  return {
    role: "assistant",
    content: [
      { type: "tool-call", toolCallId, toolName: "flights", input: {} },
    ],
  };
}

function result(toolCallId: string, value = "ok"): ModelMessage {
  return {
    role: "tool",
    content: [
      {
        type: "tool-result",
        toolCallId,
        toolName: "flights",
        output: { type: "text", value },
      },
    ],
  };
}

/** Collects the call ids and the result ids of a history, in order. */
function ids(messages: ModelMessage[]): { calls: string[]; results: string[] } {
  const calls: string[] = [];
  const results: string[] = [];
  for (const message of messages) {
    if (message.role === "assistant" && Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === "tool-call") {
          calls.push(part.toolCallId);
        }
      }
    }
    if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type === "tool-result") {
          results.push(part.toolCallId);
        }
      }
    }
  }
  return { calls, results };
}

describe("normalizeHistory", () => {
  it("keeps a valid history as it is", () => {
    const history: ModelMessage[] = [
      { role: "user", content: "q" },
      call("a"),
      result("a"),
      { role: "assistant", content: "answer" },
    ];
    expect(normalizeHistory(history)).toEqual(history);
  });

  it("gives an unanswered call a synthetic error result", () => {
    const normalized = normalizeHistory([
      { role: "user", content: "q" },
      call("a"),
      { role: "user", content: "next" },
    ]);
    expect(normalized.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "user",
    ]);
    expect(normalized[2]).toMatchObject({
      content: [
        {
          toolCallId: "a",
          output: { type: "error-json", value: { code: missingResultCode } },
        },
      ],
    });
  });

  it("closes a call left open at the end", () => {
    const normalized = normalizeHistory([
      { role: "user", content: "q" },
      call("a"),
    ]);
    expect(ids(normalized)).toEqual({ calls: ["a"], results: ["a"] });
  });

  it("renames a repeated call id and its result", () => {
    const normalized = normalizeHistory([
      call("a"),
      result("a", "first"),
      call("a"),
      result("a", "second"),
    ]);
    expect(ids(normalized)).toEqual({
      calls: ["a", "a_2"],
      results: ["a", "a_2"],
    });
    expect(JSON.stringify(normalized[3])).toContain("second");
  });

  it("drops a second result and a result without a call", () => {
    const normalized = normalizeHistory([
      call("a"),
      result("a", "first"),
      result("a", "again"),
      result("nobody"),
    ]);
    expect(ids(normalized)).toEqual({ calls: ["a"], results: ["a"] });
    expect(JSON.stringify(normalized)).not.toContain("again");
  });

  it("drops a result that comes after the next user message", () => {
    const normalized = normalizeHistory([
      call("a"),
      { role: "user", content: "next" },
      result("a", "late"),
    ]);
    expect(ids(normalized)).toEqual({ calls: ["a"], results: ["a"] });
    expect(JSON.stringify(normalized)).not.toContain("late");
  });
});

describe("trimHistory", () => {
  const history: ModelMessage[] = [
    { role: "user", content: "1" },
    call("a"),
    result("a"),
    { role: "assistant", content: "one" },
    { role: "user", content: "2" },
    { role: "assistant", content: "two" },
  ];

  it("cuts before a user message", () => {
    expect(trimHistory(history, 3)).toEqual(history.slice(4));
  });

  it("keeps a whole turn longer than the limit", () => {
    expect(trimHistory(history, 1)).toEqual(history.slice(4));
  });

  it("keeps a short history", () => {
    expect(trimHistory(history, 10)).toEqual(history);
  });
});

describe("containsAssistantTurns", () => {
  it("tells new input from a whole conversation", () => {
    expect(containsAssistantTurns([{ role: "user", content: "q" }])).toBe(
      false,
    );
    expect(
      containsAssistantTurns([
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ]),
    ).toBe(true);
  });
});
