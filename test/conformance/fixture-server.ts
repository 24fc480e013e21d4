import { Hono } from "hono";
import { serveOnLoopback } from "../helpers/loopback-server.js";

/** One recorded response: a JSON body, or raw text such as server-sent events. */
export interface FixtureResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as it is in place of `body`. */
  text?: string;
}

export interface FixtureServer {
  /** Base URL without a trailing slash, such as `http://127.0.0.1:41234`. */
  url: string;
  /**
   * Serves `responses` in turn to requests for `method path`, repeating the last one.
   * `path` may contain `:name` segments, which match any one segment.
   */
  route(method: string, path: string, ...responses: FixtureResponse[]): void;
  /** Forgets every route. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  method: string;
  pattern: RegExp;
  responses: FixtureResponse[];
  served: number;
}

/**
 * Starts an HTTP server on 127.0.0.1 that replays recorded Databricks responses, so that
 * behalf's client runs against the recordings exactly as it runs against a workspace. A
 * request without a route gets 599, which no client treats as a success.
 */
export async function startFixtureServer(): Promise<FixtureServer> {
  let routes: Route[] = [];
  const app = new Hono();
  app.all("*", (context) => {
    const path = new URL(context.req.url).pathname;
    const route = routes.find(
      (candidate) =>
        candidate.method === context.req.method && candidate.pattern.test(path),
    );
    if (route === undefined) {
      return new Response(
        `No recorded response for ${context.req.method} ${path}.`,
        { status: 599 },
      );
    }
    const index = Math.min(route.served, route.responses.length - 1);
    route.served += 1;
    const response = route.responses[index] ?? {};
    const text = response.text ?? JSON.stringify(response.body ?? {});
    return new Response(text, {
      status: response.status ?? 200,
      headers: {
        "Content-Type":
          response.text === undefined ? "application/json" : "text/plain",
        ...response.headers,
      },
    });
  });

  const server = await serveOnLoopback(app.fetch);

  return {
    url: server.url,
    route(method, path, ...responses) {
      if (responses.length === 0) {
        throw new Error(
          `The route ${method} ${path} needs at least one response.`,
        );
      }
      const segments = path
        .split("/")
        .map((segment) =>
          segment.startsWith(":")
            ? "[^/]+"
            : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
        );
      routes.push({
        method,
        pattern: new RegExp(`^${segments.join("/")}$`),
        responses,
        served: 0,
      });
    },
    reset() {
      routes = [];
    },
    close: server.close,
  };
}
