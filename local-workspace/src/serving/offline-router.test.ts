import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest, ChatTool } from "./chat-request.js";
import { planReply } from "./offline-router.js";
import { writeAnswerFromToolResults } from "./tool-result-answer.js";

const genieTool: ChatTool = {
  type: "function",
  function: {
    name: "ask_flights_genie",
    description:
      "Answers questions about US domestic flight delays, departures and airports.",
    parameters: {
      type: "object",
      properties: { question: { type: "string" } },
      required: ["question"],
    },
  },
};

const sqlTool: ChatTool = {
  type: "function",
  function: {
    name: "run_sql",
    description: "Runs a read-only SQL statement on the warehouse.",
    parameters: {
      type: "object",
      properties: { statement: { type: "string" }, limit: { type: "integer" } },
      required: ["statement"],
    },
  },
};

const birdTool: ChatTool = {
  type: "function",
  function: {
    name: "ask_wildlife_genie",
    description: "Answers questions about wildlife strikes on aircraft.",
    parameters: {
      type: "object",
      properties: { prompt: { type: "string" } },
    },
  },
};

const question = "What was the average departure delay in February 2001?";

function request(
  overrides: Partial<ChatCompletionRequest> = {},
): ChatCompletionRequest {
  return {
    model: "agent-endpoint",
    messages: [
      { role: "system", content: "You answer questions." },
      { role: "user", content: question },
    ],
    tools: [sqlTool, genieTool, birdTool],
    ...overrides,
  };
}

describe("planReply tool choice", () => {
  it("calls the best-matching tool with the question verbatim", () => {
    expect(planReply(request())).toEqual({
      kind: "tool-call",
      toolName: "ask_flights_genie",
      arguments: { question },
    });
  });

  it("fills a prompt parameter", () => {
    const decision = planReply(
      request({
        messages: [
          { role: "user", content: "How many wildlife strikes hit aircraft?" },
        ],
      }),
    );

    expect(decision).toEqual({
      kind: "tool-call",
      toolName: "ask_wildlife_genie",
      arguments: { prompt: "How many wildlife strikes hit aircraft?" },
    });
  });

  it("reads the question from content parts", () => {
    const decision = planReply(
      request({
        messages: [
          { role: "user", content: [{ type: "text", text: question }] },
        ],
      }),
    );

    expect(decision).toMatchObject({ arguments: { question } });
  });

  it("sends a SQL statement to the statement tool", () => {
    const statement =
      "SELECT COUNT(*) FROM samples.aviation.bird_strikes WHERE cost_repair > 0";
    const decision = planReply(
      request({ messages: [{ role: "user", content: statement }] }),
    );

    expect(decision).toMatchObject({
      toolName: sqlTool.function.name,
      arguments: { statement },
    });
  });

  it("sends a follow-up to the tool called before", () => {
    const decision = planReply(
      request({
        messages: [
          { role: "user", content: "How many wildlife strikes hit aircraft?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call-1",
                type: "function",
                function: { name: "ask_wildlife_genie", arguments: "{}" },
              },
            ],
          },
          { role: "tool", tool_call_id: "call-1", content: '{"rows": []}' },
          { role: "assistant", content: "None." },
          { role: "user", content: "And in 1995?" },
        ],
      }),
    );

    expect(decision).toMatchObject({
      toolName: "ask_wildlife_genie",
      arguments: { prompt: "And in 1995?" },
    });
  });

  it("breaks ties by listing order", () => {
    const twin: ChatTool = {
      ...genieTool,
      function: { ...genieTool.function, name: "ask_flights_genie_copy" },
    };
    const decision = planReply(request({ tools: [genieTool, twin] }));

    expect(decision).toMatchObject({ toolName: "ask_flights_genie" });
  });

  it("lists the tools when none matches", () => {
    const decision = planReply(
      request({ messages: [{ role: "user", content: "Tell me a joke" }] }),
    );

    expect(decision.kind).toBe("answer");
    const content = decision.kind === "answer" ? decision.content : "";
    expect(content).toContain("No available tool matches");
    expect(content).toContain("- ask_flights_genie: Answers questions");
    expect(content).toContain("- run_sql: Runs a read-only SQL statement");
  });

  it("answers in text when a required parameter cannot be filled", () => {
    const strictTool: ChatTool = {
      type: "function",
      function: {
        name: "flight_delay_lookup",
        description: "Looks up flight delay figures.",
        parameters: {
          type: "object",
          properties: {
            question: { type: "string" },
            airport: { type: "string" },
          },
          required: ["question", "airport"],
        },
      },
    };
    const decision = planReply(request({ tools: [strictTool] }));

    expect(decision.kind).toBe("answer");
    const content = decision.kind === "answer" ? decision.content : "";
    expect(content).toContain("flight_delay_lookup needs parameters");
  });

  it("calls no tool with tool_choice none", () => {
    expect(planReply(request({ tool_choice: "none" })).kind).toBe("answer");
  });

  it("honors a forced tool_choice", () => {
    const decision = planReply(
      request({
        tool_choice: {
          type: "function",
          function: { name: "ask_wildlife_genie" },
        },
      }),
    );

    expect(decision).toMatchObject({ toolName: "ask_wildlife_genie" });
  });

  it("uses the first tool when a tool is required", () => {
    const decision = planReply(
      request({
        messages: [{ role: "user", content: "Tell me a joke" }],
        tools: [genieTool, birdTool],
        tool_choice: "required",
      }),
    );

    expect(decision).toMatchObject({ toolName: "ask_flights_genie" });
  });

  it("returns the same decision for the same request", () => {
    expect(planReply(request())).toEqual(planReply(request()));
  });
});

describe("planReply final answer", () => {
  const afterToolCall = (toolContent: string): ChatCompletionRequest =>
    request({
      messages: [
        { role: "user", content: question },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: {
                name: "ask_flights_genie",
                arguments: JSON.stringify({ question }),
              },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: toolContent },
      ],
    });

  const contentOf = (toolContent: string) => {
    const decision = planReply(afterToolCall(toolContent));
    expect(decision.kind).toBe("answer");
    return decision.kind === "answer" ? decision.content : "";
  };

  it("writes one row as a sentence with exact numbers", () => {
    const content = contentOf(
      JSON.stringify({
        space: "Flights",
        status: "COMPLETED",
        text: "The average departure delay in February 2001 was 7.23 minutes.",
        description: "Average departure delay in one month.",
        sql: "SELECT ...",
        columns: [
          { name: "avg_departure_delay_minutes", type: "DECIMAL" },
          { name: "flight_count", type: "LONG" },
        ],
        rows: [[7.23, 5964]],
        rowCount: 1,
        rowsShown: 1,
        truncated: false,
        suggestedQuestions: [],
      }),
    );

    expect(content).toBe(
      "The average departure delay in February 2001 was 7.23 minutes.\n\nThe result has one row: avg_departure_delay_minutes = 7.23 and flight_count = 5964.",
    );
  });

  it("writes several rows as a table of at most 20", () => {
    const rows = Array.from({ length: 30 }, (_, index) => [`A${index}`, index]);
    const content = contentOf(
      JSON.stringify({
        status: "COMPLETED",
        text: "Busiest airports.",
        columns: [{ name: "origin" }, { name: "flight_count" }],
        rows,
        rowCount: 120,
        truncated: true,
      }),
    );
    const tableLines = content
      .split("\n")
      .filter((line) => line.startsWith("|"));

    expect(tableLines[0]).toBe("| origin | flight_count |");
    expect(tableLines[1]).toBe("| --- | --- |");
    expect(tableLines).toHaveLength(22);
    expect(tableLines[2]).toBe("| A0 | 0 |");
    expect(content).toContain("Showing 20 of 120 rows.");
    expect(content).toContain("truncated");
  });

  it("lists suggested questions", () => {
    const content = contentOf(
      JSON.stringify({
        status: "COMPLETED",
        text: "Genie cannot answer that question.",
        columns: [],
        rows: [],
        rowCount: 0,
        suggestedQuestions: ["How many flights departed from SFO?"],
      }),
    );

    expect(content).toBe(
      "Genie cannot answer that question.\n\nYou could ask:\n- How many flights departed from SFO?",
    );
  });

  it("quotes a JSON error", () => {
    const content = contentOf(
      JSON.stringify({
        error: {
          code: "INSUFFICIENT_PERMISSIONS",
          message: "User does not have SELECT on table main.demo.flights.",
        },
      }),
    );

    expect(content).toContain("could not answer");
    expect(content).toContain(
      "> INSUFFICIENT_PERMISSIONS: User does not have SELECT on table main.demo.flights.",
    );
  });

  it("quotes a plain-text tool error", () => {
    const content = contentOf("Error: the Genie space timed out");

    expect(content).toContain("could not answer");
    expect(content).toContain("> Error: the Genie space timed out");
  });

  it("ignores tool results from before the last question", () => {
    const earlier = afterToolCall('{"text": "old answer"}');
    const decision = planReply({
      ...earlier,
      messages: [...earlier.messages, { role: "user", content: question }],
    });

    expect(decision.kind).toBe("tool-call");
  });
});

describe("writeAnswerFromToolResults", () => {
  it("names each tool when several answered", () => {
    const content = writeAnswerFromToolResults([
      { toolName: "first_tool", content: '{"text": "One."}' },
      { toolName: "second_tool", content: '{"text": "Two."}' },
    ]);

    expect(content).toBe("**first_tool**\n\nOne.\n\n**second_tool**\n\nTwo.");
  });

  it("shows unknown JSON as it came", () => {
    const content = writeAnswerFromToolResults([
      { toolName: "weather", content: '{"temperature": 21.5}' },
    ]);

    expect(content).toContain('"temperature": 21.5');
  });

  it("reports no rows", () => {
    const content = writeAnswerFromToolResults([
      {
        toolName: "genie",
        content:
          '{"text": "", "sql": "SELECT 1 WHERE false", "rows": [], "rowCount": 0}',
      },
    ]);

    expect(content).toBe("The query returned no rows.");
  });

  it("does not repeat a row the text already states", () => {
    const content = writeAnswerFromToolResults([
      {
        toolName: "genie",
        content: JSON.stringify({
          text: "The query returned one row: delay = 10.21 and flights = 1652.",
          columns: [{ name: "delay" }, { name: "flights" }],
          rows: [[10.21, 1652]],
          rowCount: 1,
        }),
      },
    ]);

    expect(content).toBe(
      "The query returned one row: delay = 10.21 and flights = 1652.",
    );
  });

  it("adds the row when the text does not state it", () => {
    const content = writeAnswerFromToolResults([
      {
        toolName: "genie",
        content: JSON.stringify({
          text: "Here it is.",
          columns: [{ name: "delay" }],
          rows: [[10.21]],
          rowCount: 1,
        }),
      },
    ]);

    expect(content).toBe(
      "Here it is.\n\nThe result has one row: delay = 10.21.",
    );
  });

  it("passes on a clarifying question", () => {
    const content = writeAnswerFromToolResults([
      {
        toolName: "genie",
        content: JSON.stringify({
          clarifyingQuestions: ["Which airline do you mean?"],
          rows: [],
        }),
      },
    ]);

    expect(content).toBe(
      "Before it can answer, the tool asks:\n- Which airline do you mean?",
    );
  });

  it("never returns an empty answer", () => {
    const content = writeAnswerFromToolResults([
      { toolName: "genie", content: '{"text": "", "rows": []}' },
    ]);

    expect(content).toBe("The tool returned no text and no rows.");
  });
});
