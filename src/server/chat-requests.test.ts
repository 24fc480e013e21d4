import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors/errors.js";
import {
  chatMessagesToModelMessages,
  parseChatAgentRequest,
  parseOpenAIChatRequest,
} from "./chat-requests.js";
import { isChatAgentBody } from "./invocations-route.js";

describe("chatMessagesToModelMessages", () => {
  it("pairs tool calls with their results", () => {
    const messages = chatMessagesToModelMessages([
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "c1",
            type: "function",
            function: { name: "flights", arguments: '{"question":"q"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: '{"rowCount":1}' },
      { role: "assistant", content: "one row" },
    ]);
    expect(messages).toEqual([
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: [
          {
            type: "tool-call",
            toolCallId: "c1",
            toolName: "flights",
            input: { question: "q" },
          },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "c1",
            toolName: "flights",
            output: { type: "text", value: '{"rowCount":1}' },
          },
        ],
      },
      { role: "assistant", content: "one row" },
    ]);
  });

  it("rejects a tool result without its call", () => {
    expect(() =>
      chatMessagesToModelMessages([
        { role: "tool", tool_call_id: "c9", content: "x" },
      ]),
    ).toThrow(/messages\[0\]: tool_call_id "c9" matches no tool call/);
  });

  it("names arguments that are not JSON", () => {
    expect(() =>
      chatMessagesToModelMessages([
        {
          role: "assistant",
          tool_calls: [
            { id: "c1", function: { name: "t", arguments: "{oops" } },
          ],
        },
      ]),
    ).toThrow(
      /messages\[0\].tool_calls\[0\].function.arguments is not valid JSON/,
    );
  });

  it("joins text content parts", () => {
    expect(
      chatMessagesToModelMessages([
        {
          role: "user",
          content: [
            { type: "text", text: "How many" },
            { type: "text", text: "flights?" },
          ],
        },
      ]),
    ).toEqual([{ role: "user", content: "How many\nflights?" }]);
  });
});

describe("request parsing", () => {
  it("names the invalid field", () => {
    expect(() => parseChatAgentRequest({ messages: [] })).toThrow(
      InvalidRequestError,
    );
    expect(() =>
      parseOpenAIChatRequest({ messages: [{ role: "robot" }] }),
    ).toThrow(/messages\[0\]\.role/);
  });

  it("accepts ChatAgent context and custom inputs", () => {
    const request = parseChatAgentRequest({
      messages: [{ role: "user", content: "q", id: "m1" }],
      context: { conversation_id: "c1", user_id: "u1" },
      custom_inputs: { anything: true },
    });
    expect(request.context?.conversation_id).toBe("c1");
  });
});

describe("isChatAgentBody", () => {
  it("follows the input-first rule", () => {
    expect(isChatAgentBody({ messages: [] })).toBe(true);
    expect(isChatAgentBody({ input: "q", messages: [] })).toBe(false);
    expect(isChatAgentBody({ input: "q" })).toBe(false);
    expect(isChatAgentBody(undefined)).toBe(false);
    expect(isChatAgentBody("messages")).toBe(false);
  });
});
