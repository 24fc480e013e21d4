import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../../local-workspace/src/recorder.js";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";
import { serveOnLoopback } from "../helpers/loopback-server.js";
import { readSseJson } from "../helpers/sse-events.js";

/**
 * 100 interleaved agent requests from three users, each with its own token, while the
 * local workspace delays Genie routes by varying amounts and returns 503 for some
 * polls. Every Genie request is tied to the agent request that caused it through its
 * Genie conversation id, and must carry that request's token.
 */

const requestCount = 100;
/** Polls that get 503 before any is served, which the Genie client retries. */
const unavailablePolls = 6;

const regionsByUser: Record<string, string[] | "all"> = {
  "alice@example.com": ["West"],
  "bob@example.com": ["Northeast"],
  "carol@example.com": "all",
};
const users = Object.keys(regionsByUser);
const months = ["January", "February", "March"];

const protocols = [
  "responses-json",
  "responses-stream",
  "chat-agent-json",
  "chat-agent-stream",
  "openai-json",
  "openai-stream",
] as const;
type Protocol = (typeof protocols)[number];

interface PlannedRequest {
  index: number;
  user: string;
  month: number;
  protocol: Protocol;
  startDelayMilliseconds: number;
  token: string;
}

/** What an agent request's Genie tool call returned. */
interface GenieToolOutput {
  conversationId: string;
  columns: { name: string }[];
  rows: unknown[][];
}

/** A seeded generator (a linear congruential one), so every run sends the same mix. */
function randomNumbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A start-conversation POST as the proxy saw it: who sent it and what Genie created. */
interface CreatedConversation {
  bearer: string | undefined;
  conversationId: string | undefined;
}

/**
 * Starts a forwarding proxy on 127.0.0.1 between the agent server and the workspace. It reads
 * the response of each start-conversation POST, which the workspace recorder does not
 * keep, so each new Genie conversation is tied to the token of the POST that created it.
 */
async function startConversationProxy(workspaceUrl: string) {
  const created: CreatedConversation[] = [];
  const app = new Hono();
  app.all("*", async (context) => {
    const incoming = new URL(context.req.url);
    const headers = new Headers(context.req.raw.headers);
    headers.delete("host");
    const hasBody = !["GET", "HEAD"].includes(context.req.method);
    const upstream = await fetch(
      `${workspaceUrl}${incoming.pathname}${incoming.search}`,
      {
        method: context.req.method,
        headers,
        body: hasBody ? await context.req.arrayBuffer() : undefined,
        signal: context.req.raw.signal,
      },
    );
    const body = await upstream.arrayBuffer();
    if (incoming.pathname.endsWith("/start-conversation") && upstream.ok) {
      const parsed = JSON.parse(new TextDecoder().decode(body)) as {
        conversation_id?: string;
      };
      created.push({
        bearer: headers.get("authorization")?.replace(/^Bearer /, ""),
        conversationId: parsed.conversation_id,
      });
    }
    return new Response(body, {
      status: upstream.status,
      headers: upstream.headers,
    });
  });
  const server = await serveOnLoopback(app.fetch);
  return {
    url: server.url,
    created,
    close: server.close,
  };
}

let stack: WorkspaceWithAgents;
let proxy: Awaited<ReturnType<typeof startConversationProxy>>;
let agent: AgentServer;

beforeAll(async () => {
  stack = await startWorkspaceWithAgents({ genieStatusStepMilliseconds: 60 });
  proxy = await startConversationProxy(stack.workspace.url);
  agent = await stack.startAgent({}, proxy.url);
});
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

async function addFaults(faults: object[]): Promise<void> {
  const response = await fetch(`${stack.workspace.url}/local/api/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

/** Delay faults of varied length and count on the Genie routes; overlapping ones add up. */
function varyingDelays(random: () => number): object[] {
  const routes = [
    "genie.start-conversation",
    "genie.get-message",
    "genie.query-result",
  ];
  return Array.from({ length: 12 }, (_, index) => ({
    type: "delay",
    routes: [routes[index % routes.length]],
    delayMilliseconds: 1 + Math.floor(random() * 40),
    count: 5 + Math.floor(random() * 40),
  }));
}

function questionFor(month: number): string {
  return `What was the average departure delay in ${months[month - 1]} 2001?`;
}

/** Sends one request in its protocol and returns the Genie tool output it carried. */
async function send(request: PlannedRequest): Promise<GenieToolOutput> {
  const question = questionFor(request.month);
  const [path, body] = (() => {
    switch (request.protocol) {
      case "responses-json":
      case "responses-stream":
        return [
          "/responses",
          {
            input: question,
            stream: request.protocol === "responses-stream",
          },
        ] as const;
      case "chat-agent-json":
      case "chat-agent-stream":
        return [
          "/invocations",
          {
            messages: [{ role: "user", content: question }],
            stream: request.protocol === "chat-agent-stream",
          },
        ] as const;
      case "openai-json":
      case "openai-stream":
        return [
          "/v1/chat/completions",
          {
            model: "behalf",
            messages: [{ role: "user", content: question }],
            stream: request.protocol === "openai-stream",
          },
        ] as const;
    }
  })();

  const response = await fetch(`${agent.url}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${request.token}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const outputs = await toolOutputsOf(request.protocol, response);
  expect(outputs).toHaveLength(1);
  return outputs[0] as GenieToolOutput;
}

/** Reads the tool outputs out of a response, in the shape each protocol sends them. */
async function toolOutputsOf(
  protocol: Protocol,
  response: Response,
): Promise<unknown[]> {
  if (protocol.endsWith("-stream")) {
    const events = await readSseJson(response);
    for (const event of events) {
      expect(event.error).toBeUndefined();
    }
    switch (protocol) {
      case "responses-stream": {
        const completed = events.find(
          (event) => event.type === "response.completed",
        );
        return responsesOutputs(
          (completed?.response ?? {}) as { output?: unknown[] },
        );
      }
      case "chat-agent-stream":
        return events
          .map((event) => event.delta as { role?: string; content?: string })
          .filter((delta) => delta?.role === "tool")
          .map((delta) => JSON.parse(delta.content ?? "null"));
      default:
        return events
          .map((event) => event.behalf as { tool_result?: { output: unknown } })
          .filter((extension) => extension?.tool_result !== undefined)
          .map((extension) => extension.tool_result?.output);
    }
  }

  const body = (await response.json()) as Record<string, unknown>;
  switch (protocol) {
    case "responses-json":
      return responsesOutputs(body as { output?: unknown[] });
    case "chat-agent-json":
      return (body.messages as { role: string; content: string }[])
        .filter((message) => message.role === "tool")
        .map((message) => JSON.parse(message.content));
    default:
      return (
        (body.behalf as { tool_steps: { output?: unknown }[] }).tool_steps ?? []
      ).map((step) => step.output);
  }
}

function responsesOutputs(response: { output?: unknown[] }): unknown[] {
  return (response.output ?? [])
    .filter(
      (item): item is { type: string; output: string } =>
        (item as { type?: string }).type === "function_call_output",
    )
    .map((item) => JSON.parse(item.output));
}

function averageDelayIn(output: GenieToolOutput): unknown {
  const column = output.columns.findIndex((candidate) =>
    candidate.name.includes("delay"),
  );
  return output.rows[0]?.[column];
}

function bearerOf(record: RecordedRequest): string | undefined {
  return record.headers.authorization?.replace(/^Bearer /, "");
}

describe("100 interleaved requests from three users", () => {
  it("send each Genie request with its own request's token", async () => {
    const random = randomNumbers(20_010_214);
    const planned: PlannedRequest[] = [];
    for (let index = 0; index < requestCount; index++) {
      const user = users[Math.floor(random() * users.length)] ?? "";
      planned.push({
        index,
        user,
        month: 1 + Math.floor(random() * months.length),
        protocol: protocols[index % protocols.length] ?? "responses-json",
        startDelayMilliseconds: Math.floor(random() * 300),
        token: await stack.tokenFor(user),
      });
    }
    await addFaults([
      ...varyingDelays(random),
      {
        type: "http-error",
        routes: ["genie.get-message"],
        status: 503,
        count: unavailablePolls,
      },
    ]);
    stack.workspace.recorder.clear();

    const outputs = await Promise.all(
      planned.map(async (request) => {
        await new Promise((resolve) =>
          setTimeout(resolve, request.startDelayMilliseconds),
        );
        return { request, output: await send(request) };
      }),
    );

    // Each answer has its own user's figure and its own Genie conversation.
    const requestByConversation = new Map<string, PlannedRequest>();
    for (const { request, output } of outputs) {
      expect(averageDelayIn(output)).toBe(
        expectedAverageDelay(request.month, regionsByUser[request.user] ?? [])
          .average,
      );
      expect(requestByConversation.has(output.conversationId)).toBe(false);
      requestByConversation.set(output.conversationId, request);
    }
    expect(requestByConversation.size).toBe(requestCount);

    // The POST that created each conversation carried the token of its request.
    expect(proxy.created).toHaveLength(requestCount);
    for (const created of proxy.created) {
      const owner = requestByConversation.get(created.conversationId ?? "");
      expect(owner).toBeDefined();
      expect(created.bearer).toBe(owner?.token);
    }

    // Every later Genie request, retries included, carried it too.
    const records = stack.workspace.recorder.records;
    expect(records.length).toBeLessThan(
      stack.workspace.recorder.maximumRecords,
    );
    const genie = records.filter((record) =>
      record.path.startsWith("/api/2.0/genie/"),
    );
    const starts = genie.filter((record) =>
      record.path.endsWith("/start-conversation"),
    );
    expect(starts.map(bearerOf).sort()).toEqual(
      planned.map((request) => request.token).sort(),
    );
    const underConversations = genie.filter(
      (record) => !record.path.endsWith("/start-conversation"),
    );
    expect(underConversations.length).toBeGreaterThanOrEqual(
      2 * requestCount + unavailablePolls,
    );
    for (const record of underConversations) {
      const conversationId = /\/conversations\/([^/]+)\//.exec(
        record.path,
      )?.[1];
      const owner = requestByConversation.get(conversationId ?? "");
      expect(owner, record.path).toBeDefined();
      expect(bearerOf(record), record.path).toBe(owner?.token);
    }

    // The injected 503s were all served, so their polls were retried.
    const listing = await fetch(`${stack.workspace.url}/local/api/faults`);
    const { faults } = (await listing.json()) as { faults: { type: string }[] };
    expect(faults.filter((fault) => fault.type === "http-error")).toEqual([]);
  });
});
