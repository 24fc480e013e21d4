import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  endpointName,
  listen,
  type RunningServer,
  startServingTestServer,
} from "./test-support.js";

interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const streamedBody =
  'data: {"id":"up-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n';

let upstream: RunningServer;
const received: ReceivedRequest[] = [];

beforeAll(async () => {
  upstream = await listen(async (request) => {
    const body = (await request.json()) as Record<string, unknown>;
    received.push({
      path: new URL(request.url).pathname,
      headers: Object.fromEntries(request.headers),
      body,
    });
    if (body.stream) {
      return new Response(streamedBody, {
        headers: { "content-type": "text/event-stream" },
      });
    }
    return Response.json(
      { id: "up-1", object: "chat.completion", model: body.model },
      { status: 201 },
    );
  });
});

afterAll(async () => {
  await upstream.close();
});

function chat(server: RunningServer, body: Record<string, unknown>) {
  return fetch(`${server.url}/serving-endpoints/chat/completions`, {
    method: "POST",
    headers: {
      authorization: "Bearer alice",
      "content-type": "application/json",
    },
    body: JSON.stringify({
      model: endpointName,
      messages: [{ role: "user", content: "Hello" }],
      ...body,
    }),
  });
}

describe("model proxy", () => {
  it("sends the configured key and model, never the caller's token", async () => {
    const server = await startServingTestServer({
      modelUrl: `${upstream.url}/v1/`,
      modelApiKey: "upstream-key",
      modelName: "small-model",
    });
    received.length = 0;

    const response = await chat(server, { temperature: 0.5, seed: 7 });
    const body = await response.json();
    await server.close();

    expect(response.status).toBe(201);
    expect(body).toEqual({
      id: "up-1",
      object: "chat.completion",
      model: "small-model",
    });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe("Bearer upstream-key");
    for (const value of Object.values(request?.headers ?? {})) {
      expect(value).not.toContain("alice");
    }
    expect(request?.body.model).toBe("small-model");
    expect(request?.body.temperature).toBe(0.5);
    expect(request?.body.seed).toBe(7);
  });

  it("defaults the model name to the endpoint name", async () => {
    const server = await startServingTestServer({ modelUrl: upstream.url });
    received.length = 0;

    await (await chat(server, {})).json();
    await server.close();

    expect(received[0]?.body.model).toBe(endpointName);
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it("streams the model server's events unchanged", async () => {
    const server = await startServingTestServer({
      modelUrl: upstream.url,
      modelApiKey: "upstream-key",
    });

    const response = await chat(server, { stream: true });
    const text = await response.text();
    await server.close();

    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(text).toBe(streamedBody);
  });

  it("still checks permissions before proxying", async () => {
    const server = await startServingTestServer({ modelUrl: upstream.url });
    received.length = 0;

    const response = await fetch(
      `${server.url}/serving-endpoints/chat/completions`,
      {
        method: "POST",
        headers: {
          authorization: "Bearer outsider",
          "content-type": "application/json",
        },
        body: JSON.stringify({
          model: endpointName,
          messages: [{ role: "user", content: "Hi" }],
        }),
      },
    );
    await server.close();

    expect(response.status).toBe(403);
    expect(received).toHaveLength(0);
  });

  it("reports an unreachable model server as 503", async () => {
    const stopped = await listen(() => new Response("unused"));
    await stopped.close();
    const server = await startServingTestServer({ modelUrl: stopped.url });

    const response = await chat(server, {});
    const body = await response.json();
    await server.close();

    expect(response.status).toBe(503);
    expect(body.error_code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(body.message).toContain(stopped.url);
  });
});
