import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";
import { readSseJson, sseEvents } from "../helpers/sse-events.js";

/** Each Genie status lasts this long, so one answer takes about two seconds. */
const genieStatusStepMilliseconds = 500;
const question = "How many flights departed from SFO?";

let stack: WorkspaceWithAgents;
let agent: AgentServer;
let aliceToken: string;

beforeAll(async () => {
  stack = await startWorkspaceWithAgents({ genieStatusStepMilliseconds });
  agent = await stack.startAgent({ server: { sseKeepaliveSeconds: 0.1 } });
  aliceToken = await stack.tokenFor("alice@example.com");
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
});

function post(
  server: AgentServer,
  path: string,
  body: unknown,
  options: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${aliceToken}`,
      "Content-Type": "application/json",
      ...options.headers,
    },
    body: JSON.stringify(body),
    signal: options.signal,
  });
}

function genieRequests() {
  return stack.workspace.recorder.records.filter((record) =>
    record.path.startsWith("/api/2.0/genie/"),
  );
}

const sleep = (milliseconds: number) =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

describe("keepalive comments", () => {
  it("arrive while the stream is quiet", async () => {
    const response = await post(agent, "/responses", {
      input: question,
      stream: true,
    });
    const raw = await response.text();

    const lines = raw.split("\n").filter((line) => line !== "");
    const keepalives = lines.filter((line) => line === ": keepalive");
    // Genie takes about 2 s and the interval is 0.1 s; without progress events it is quiet.
    expect(keepalives.length).toBeGreaterThanOrEqual(8);
    const dataLines = lines.filter((line) => line.startsWith("data:"));
    expect(dataLines.at(-1)).toBe("data: [DONE]");
    // Comments come between events, never inside one.
    for (const line of lines) {
      expect(line.startsWith("data: ") || line === ": keepalive").toBe(true);
    }
  });
});

describe("tool call ids", () => {
  it("match between Responses stream events and the final response", async () => {
    const response = await post(agent, "/responses", {
      input: question,
      stream: true,
    });
    const events = await readSseJson(response);

    const streamed = events
      .filter((event) => event.type === "response.output_item.done")
      .map((event) => event.item as { type: string; call_id?: string })
      .filter((item) => item.call_id !== undefined);
    const completed = events.find(
      (event) => event.type === "response.completed",
    );
    const finalResponse = completed?.response as
      | { output: { type: string; call_id?: string }[] }
      | undefined;
    const final = (finalResponse?.output ?? []).filter(
      (item) => item.call_id !== undefined,
    );

    expect(streamed.length).toBe(2);
    expect(streamed).toEqual(final);
    expect(streamed[0]?.call_id).toBe(streamed[1]?.call_id);
  });

  it("match between ChatAgent chunks and the tool message", async () => {
    const response = await post(agent, "/invocations", {
      messages: [{ role: "user", content: question }],
      stream: true,
    });
    const chunks = await readSseJson(response);
    const deltas = chunks.map(
      (chunk) =>
        chunk.delta as {
          role: string;
          tool_calls?: { id: string }[];
          tool_call_id?: string;
        },
    );
    const callIds = deltas.flatMap(
      (delta) => delta.tool_calls?.map((call) => call.id) ?? [],
    );
    const resultIds = deltas
      .filter((delta) => delta.role === "tool")
      .map((delta) => delta.tool_call_id);
    expect(callIds).toHaveLength(1);
    expect(resultIds).toEqual(callIds);
  });
});

describe("a client that disconnects mid-turn", () => {
  it("stops Genie polling and keeps the history whole", async () => {
    const controller = new AbortController();
    const conversationId = `disconnect-${Date.now()}`;
    const response = await post(
      agent,
      "/responses",
      {
        input: question,
        stream: true,
        context: { conversation_id: conversationId },
      },
      { headers: { "x-behalf-progress": "true" }, signal: controller.signal },
    );

    // Wait for the first Genie status: the tool is polling now.
    const reader = sseEvents(response).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      if (value?.data.includes("behalf.tool_progress")) {
        break;
      }
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);

    // A poll already on its way may still land; after that, nothing more.
    await sleep(300);
    const afterDisconnect = genieRequests().length;
    await sleep(genieStatusStepMilliseconds * 4);
    expect(genieRequests().length).toBe(afterDisconnect);
    // The answer was never read, so the message was still running when polling stopped.
    expect(
      genieRequests().some((record) => record.path.endsWith("/query-result")),
    ).toBe(false);

    const record = await agent.store.get(conversationId);
    const messages = record?.messages ?? [];
    expect(messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "tool",
    ]);
    expect(JSON.stringify(messages[2])).toContain("CANCELLED");
  });
});

describe("the turn deadline", () => {
  it("aborts the tool and ends the turn with behalf's answer", async () => {
    const limited = await stack.startAgent({
      agent: { turnDeadlineSeconds: 0.5 },
    });
    stack.workspace.recorder.clear();
    const started = Date.now();
    const response = await post(limited, "/responses", { input: question });
    const elapsed = Date.now() - started;
    const body = (await response.json()) as {
      status: string;
      output: { type: string; output?: string; content?: { text: string }[] }[];
      custom_outputs: { stop_reason?: string };
    };

    expect(response.status).toBe(200);
    expect(body.status).toBe("completed");
    expect(elapsed).toBeLessThan(genieStatusStepMilliseconds * 3);
    expect(body.custom_outputs.stop_reason).toBe("deadline");
    const toolOutput = body.output.find(
      (item) => item.type === "function_call_output",
    );
    expect(toolOutput?.output).toContain("DEADLINE_EXCEEDED");
    const answer = body.output.filter((item) => item.type === "message").at(-1);
    expect(answer?.content?.[0]?.text).toContain(
      "time limit of 0.5 s (agent.turnDeadlineSeconds)",
    );

    await sleep(200);
    const afterDeadline = genieRequests().length;
    await sleep(genieStatusStepMilliseconds * 3);
    expect(genieRequests().length).toBe(afterDeadline);
  });
});
