import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors/errors.js";
import { parseResponsesRequest, toModelMessages } from "./responses-request.js";

describe("parseResponsesRequest", () => {
  it("accepts a string input", () => {
    expect(parseResponsesRequest({ input: "hello" }).input).toBe("hello");
  });

  it("names the invalid field", () => {
    expect(() =>
      parseResponsesRequest({ input: [{ role: "robot", content: "x" }] }),
    ).toThrow(InvalidRequestError);
    expect(() => parseResponsesRequest({})).toThrow(/input/);
  });

  it("accepts fields it does not use", () => {
    const request = parseResponsesRequest({
      input: "x",
      temperature: 0.2,
      context: { conversation_id: "c1" },
    });
    expect(request.context?.conversation_id).toBe("c1");
  });
});

describe("toModelMessages", () => {
  it("converts text messages and content parts", () => {
    const messages = toModelMessages([
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [{ type: "input_text", text: "How many flights?" }],
      },
    ]);
    expect(messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "How many flights?" },
    ]);
  });

  it("pairs function calls with their outputs", () => {
    const messages = toModelMessages([
      { role: "user", content: "q" },
      {
        type: "function_call",
        call_id: "c1",
        name: "flights",
        arguments: '{"question":"q"}',
      },
      { type: "function_call_output", call_id: "c1", output: '{"rowCount":1}' },
    ]);
    expect(messages[1]).toEqual({
      role: "assistant",
      content: [
        {
          type: "tool-call",
          toolCallId: "c1",
          toolName: "flights",
          input: { question: "q" },
        },
      ],
    });
    expect(messages[2]).toMatchObject({
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: "c1",
          toolName: "flights",
          output: { type: "text" },
        },
      ],
    });
  });

  it("rejects an output without its call", () => {
    expect(() =>
      toModelMessages([
        { type: "function_call_output", call_id: "c9", output: "x" },
      ]),
    ).toThrow(/no earlier function_call/);
  });

  it("rejects arguments that are not JSON", () => {
    expect(() =>
      toModelMessages([
        { type: "function_call", call_id: "c1", name: "t", arguments: "{oops" },
      ]),
    ).toThrow(/input\[0\].arguments is not valid JSON/);
  });
});
