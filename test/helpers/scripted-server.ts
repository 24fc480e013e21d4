import { Hono } from "hono";
import { serveOnLoopback } from "./loopback-server.js";

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

export interface ScriptedResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering. */
  delay?: number;
}

/** Chooses the response for a request; may look at how many came before. */
export type Responder = (
  request: RecordedRequest,
  index: number,
) => ScriptedResponse | Promise<ScriptedResponse>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 that answers with scripted responses and records every
 * request, for tests that need to see exactly what a client sent.
 */
export async function startScriptedServer(
  responder: Responder,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const app = new Hono();
  app.all("*", async (context) => {
    const url = new URL(context.req.url);
    const request: RecordedRequest = {
      method: context.req.method,
      path: url.pathname,
      query: url.search,
      headers: Object.fromEntries(context.req.raw.headers.entries()),
      body: await context.req.text(),
    };
    const index = requests.length;
    requests.push(request);
    const response = await responder(request, index);
    if (response.delay) {
      await new Promise((resolve) => setTimeout(resolve, response.delay));
    }
    const text =
      response.body === undefined ? "" : JSON.stringify(response.body);
    return new Response(text, {
      status: response.status ?? 200,
      headers: { "Content-Type": "application/json", ...response.headers },
    });
  });

  const server = await serveOnLoopback(app.fetch);
  return {
    url: server.url,
    requests,
    close: server.close,
  };
}
