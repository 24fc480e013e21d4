import { Hono } from "hono";
import { serveOnLoopback } from "./loopback-server.js";

/** What the scripted model answers to one chat completion request. */
export type ScriptedReply =
  | { toolCalls: { name: string; arguments: Record<string, unknown> }[] }
  | { text: string };

/** The parts of a chat completion request that scripts look at. */
export interface ChatCompletionRequestBody {
  messages: {
    role: string;
    content?: unknown;
    tool_calls?: {
      id: string;
      function: { name: string; arguments: string };
    }[];
    tool_call_id?: string;
  }[];
  tools?: { function: { name: string } }[];
  stream?: boolean;
}

export interface ScriptedChatModel {
  /** Base URL to use as the workspace host of an agent server. */
  url: string;
  requests: ChatCompletionRequestBody[];
  close(): Promise<void>;
}

/**
 * A stand-in workspace on 127.0.0.1 whose serving endpoint replies from `script` and
 * which forwards every other request (SCIM, Genie) to the real local workspace at
 * `workspaceUrl`. Tests use it as an agent server's workspace host when they need a
 * model that behalf cannot talk out of a plan (one that keeps calling a failing tool,
 * for instance). It streams as the AI SDK asks, and records each chat request.
 */
export async function startScriptedChatModel(
  workspaceUrl: string,
  script: (request: ChatCompletionRequestBody, index: number) => ScriptedReply,
): Promise<ScriptedChatModel> {
  const requests: ChatCompletionRequestBody[] = [];
  let callNumber = 0;
  const app = new Hono();

  app.post("/serving-endpoints/chat/completions", async (context) => {
    const request = (await context.req.json()) as ChatCompletionRequestBody;
    const index = requests.length;
    requests.push(request);
    const reply = script(request, index);

    const chunk = (choices: object[], extra: object = {}) => ({
      id: `chatcmpl-scripted-${index}`,
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: "scripted-model",
      choices,
      ...extra,
    });
    const chunks: object[] = [];
    if ("toolCalls" in reply) {
      const toolCalls = reply.toolCalls.map((call, callIndex) => {
        callNumber += 1;
        return {
          index: callIndex,
          id: `call_scripted_${callNumber}`,
          type: "function",
          function: {
            name: call.name,
            arguments: JSON.stringify(call.arguments),
          },
        };
      });
      chunks.push(
        chunk([
          {
            index: 0,
            delta: { role: "assistant", content: null, tool_calls: toolCalls },
            finish_reason: null,
          },
        ]),
        chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]),
      );
    } else {
      chunks.push(
        chunk([
          {
            index: 0,
            delta: { role: "assistant", content: reply.text },
            finish_reason: null,
          },
        ]),
        chunk([{ index: 0, delta: {}, finish_reason: "stop" }]),
      );
    }
    chunks.push(
      chunk([], {
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );

    const body = `${chunks.map((item) => `data: ${JSON.stringify(item)}\n\n`).join("")}data: [DONE]\n\n`;
    return new Response(body, {
      headers: { "content-type": "text/event-stream" },
    });
  });

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
    return new Response(upstream.body, {
      status: upstream.status,
      headers: upstream.headers,
    });
  });

  const server = await serveOnLoopback(app.fetch);
  return {
    url: server.url,
    requests,
    close: server.close,
  };
}
