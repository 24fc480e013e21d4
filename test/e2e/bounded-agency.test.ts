import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";
import {
  type ChatCompletionRequestBody,
  type ScriptedChatModel,
  type ScriptedReply,
  startScriptedChatModel,
} from "../helpers/scripted-chat-model.js";
import { readSseData } from "../helpers/sse-events.js";

const airports = [
  "SFO",
  "LAX",
  "SEA",
  "JFK",
  "BOS",
  "ORD",
  "ATL",
  "DEN",
  "PHX",
  "LAS",
];

function flightsQuestion(index: number): string {
  return `How many flights departed from ${airports[index % airports.length]}?`;
}

function toolResultsIn(request: ChatCompletionRequestBody): number {
  return request.messages.filter((message) => message.role === "tool").length;
}

/** The model behaviours under test; none of them ever answers with text. */
const scenarios = {
  sameCallForever: (): ScriptedReply => ({
    toolCalls: [
      { name: "flights", arguments: { question: flightsQuestion(0) } },
    ],
  }),
  newCallEachStep: (request: ChatCompletionRequestBody): ScriptedReply => ({
    toolCalls: [
      {
        name: "flights",
        arguments: { question: flightsQuestion(toolResultsIn(request)) },
      },
    ],
  }),
  threeParallelCalls: (request: ChatCompletionRequestBody): ScriptedReply => {
    const done = toolResultsIn(request);
    return {
      toolCalls: [0, 1, 2].map((offset) => ({
        name: "flights",
        arguments: { question: flightsQuestion(done + offset) },
      })),
    };
  },
};

let scenario: (request: ChatCompletionRequestBody) => ScriptedReply =
  scenarios.sameCallForever;
let model: ScriptedChatModel;
let stack: WorkspaceWithAgents;
let defaults: AgentServer;

beforeAll(async () => {
  stack = await startWorkspaceWithAgents();
  model = await startScriptedChatModel(stack.workspace.url, (request) =>
    scenario(request),
  );
  defaults = await stack.startAgent({}, model.url);
});
afterAll(async () => {
  await stack?.close();
  await model?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
  model.requests.length = 0;
});

interface OutputItem {
  type: string;
  call_id?: string;
  output?: string;
  content?: { text: string }[];
}

interface TurnResponse {
  status: string;
  output: OutputItem[];
  custom_outputs: { stop_reason?: string };
}

async function ask(
  agent: AgentServer,
  user: string,
  question = "How many flights departed from SFO?",
): Promise<TurnResponse> {
  const response = await fetch(`${agent.url}/responses`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${await stack.tokenFor(user)}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ input: question }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as TurnResponse;
}

function calls(response: TurnResponse): OutputItem[] {
  return response.output.filter((item) => item.type === "function_call");
}

function errorCodes(response: TurnResponse): string[] {
  return response.output
    .filter((item) => item.type === "function_call_output")
    .map(
      (item) =>
        (JSON.parse(item.output ?? "{}") as { error?: { code: string } }).error
          ?.code ?? "none",
    );
}

function answerText(response: TurnResponse): string {
  return response.output
    .filter((item) => item.type === "message")
    .map((item) => item.content?.map((part) => part.text).join("") ?? "")
    .join("\n");
}

function geniePosts(): number {
  return stack.workspace.recorder.records.filter(
    (record) =>
      record.method === "POST" && record.path.startsWith("/api/2.0/genie/"),
  ).length;
}

/** Every call has exactly one output, and every output answers a call. */
function expectWellFormed(response: TurnResponse): void {
  const callIds = calls(response).map((item) => item.call_id);
  const outputIds = response.output
    .filter((item) => item.type === "function_call_output")
    .map((item) => item.call_id);
  expect(new Set(callIds).size).toBe(callIds.length);
  expect([...outputIds].sort()).toEqual([...callIds].sort());
  expect(response.status).toBe("completed");
}

describe("a turn whose tool keeps failing", () => {
  it("stops after three failures in a row", async () => {
    scenario = scenarios.newCallEachStep;
    const response = await ask(defaults, "dave@example.com");

    expectWellFormed(response);
    expect(errorCodes(response)).toEqual([
      "GENIE_MESSAGE_FAILED",
      "GENIE_MESSAGE_FAILED",
      "GENIE_MESSAGE_FAILED",
    ]);
    expect(response.custom_outputs.stop_reason).toBe(
      "consecutive-tool-failures",
    );
    expect(answerText(response)).toMatch(
      /^The agent stopped before answering: 3 tool calls failed in a row/,
    );
    expect(answerText(response)).toContain("GENIE_MESSAGE_FAILED");
    expect(answerText(response)).toContain("INSUFFICIENT_PERMISSIONS");
    expect(model.requests).toHaveLength(3);
    expect(geniePosts()).toBe(3);
  });
});

describe("identical repeated calls", () => {
  it("stop the turn at the second repeat, which does not run", async () => {
    scenario = scenarios.sameCallForever;
    const response = await ask(defaults, "alice@example.com");

    expectWellFormed(response);
    expect(errorCodes(response)).toEqual(["none", "none", "TOOL_CALL_REFUSED"]);
    expect(response.custom_outputs.stop_reason).toBe("repeated-tool-call");
    expect(answerText(response)).toContain(
      "already made 2 times with the same arguments",
    );
    expect(geniePosts()).toBe(2);
    expect(model.requests).toHaveLength(3);
  });
});

describe("the tool call limit", () => {
  it("defaults to 8 calls, parallel ones included", async () => {
    scenario = scenarios.threeParallelCalls;
    const response = await ask(defaults, "alice@example.com");

    expectWellFormed(response);
    expect(calls(response)).toHaveLength(9);
    expect(
      errorCodes(response).filter((code) => code === "TOOL_CALL_REFUSED"),
    ).toHaveLength(1);
    expect(response.custom_outputs.stop_reason).toBe("tool-call-limit");
    expect(answerText(response)).toContain(
      "limit of 8 tool calls (agent.maxToolCalls)",
    );
    expect(geniePosts()).toBe(8);
  });

  it("follows agent.maxToolCalls", async () => {
    const agent = await stack.startAgent(
      { agent: { maxToolCalls: 3, maxSteps: 20 } },
      model.url,
    );
    scenario = scenarios.newCallEachStep;
    const response = await ask(agent, "alice@example.com");

    expectWellFormed(response);
    expect(errorCodes(response)).toEqual([
      "none",
      "none",
      "none",
      "TOOL_CALL_REFUSED",
    ]);
    expect(answerText(response)).toContain("limit of 3 tool calls");
    expect(geniePosts()).toBe(3);
  });
});

describe("the model call limit", () => {
  it("ends the turn with behalf's answer", async () => {
    const agent = await stack.startAgent({ agent: { maxSteps: 2 } }, model.url);
    scenario = scenarios.newCallEachStep;
    const response = await ask(agent, "alice@example.com");

    expectWellFormed(response);
    expect(calls(response)).toHaveLength(2);
    expect(response.custom_outputs.stop_reason).toBe("step-limit");
    expect(answerText(response)).toContain(
      "all 2 model calls it may make (agent.maxSteps)",
    );
    expect(model.requests).toHaveLength(2);
  });
});

describe("a stopped turn streamed", () => {
  it("stays well formed to [DONE]", async () => {
    scenario = scenarios.newCallEachStep;
    const response = await fetch(`${defaults.url}/responses`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${await stack.tokenFor("dave@example.com")}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({
        input: "How many flights departed from SFO?",
        stream: true,
      }),
    });
    const data = await readSseData(response);

    expect(data.at(-1)).toBe("[DONE]");
    const parsed = data
      .slice(0, -1)
      .map((item) => JSON.parse(item) as Record<string, unknown>);
    const completed = parsed.find(
      (event) => event.type === "response.completed",
    );
    expect(completed).toBeDefined();
    const final = completed?.response as TurnResponse;
    expectWellFormed(final);
    expect(final.custom_outputs.stop_reason).toBe("consecutive-tool-failures");

    const streamedCallIds = parsed
      .filter((event) => event.type === "response.output_item.done")
      .map((event) => event.item as OutputItem)
      .filter((item) => item.type === "function_call")
      .map((item) => item.call_id);
    expect(streamedCallIds).toEqual(calls(final).map((item) => item.call_id));
  });
});
