import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AgentEvent } from "../agent/agent-events.js";

export interface EventStreamOptions {
  events: AsyncIterable<AgentEvent>;
  /** Milliseconds of silence after which an SSE comment line is sent. */
  keepaliveMilliseconds: number;
  /** Returns the JSON payloads to send for one agent event, possibly none. */
  encode(event: AgentEvent): unknown[];
  /** Returns the payloads to send before the first event. */
  prologue?(): unknown[];
  /** Returns the payloads to send after the last event, before `data: [DONE]`. */
  trailer(): unknown[];
}

/**
 * Streams an agent turn as server-sent events: one `data:` line per payload, then
 * `data: [DONE]`. A `: keepalive` comment goes out whenever the stream has been quiet
 * for the keepalive interval (a slow Genie query, a slow model), so proxies that close
 * idle connections keep it open. When the client goes away, writes stop but the events
 * are still read to the end, so the turn's history is saved whole.
 */
export function streamAgentEvents(
  context: Context,
  options: EventStreamOptions,
): Response {
  return streamSSE(context, async (stream) => {
    let keepalive: NodeJS.Timeout | undefined;
    const armKeepalive = (): void => {
      clearTimeout(keepalive);
      keepalive = setTimeout(() => {
        void stream.write(": keepalive\n\n");
        armKeepalive();
      }, options.keepaliveMilliseconds);
    };
    const send = async (payload: unknown): Promise<void> => {
      // Hono's stream ignores failed writes; skipping them once aborted saves the encoding.
      if (stream.aborted) {
        return;
      }
      await stream.writeSSE({
        data: typeof payload === "string" ? payload : JSON.stringify(payload),
      });
      armKeepalive();
    };

    armKeepalive();
    try {
      for (const payload of options.prologue?.() ?? []) {
        await send(payload);
      }
      for await (const event of options.events) {
        for (const payload of options.encode(event)) {
          await send(payload);
        }
      }
      for (const payload of options.trailer()) {
        await send(payload);
      }
      await send("[DONE]");
    } finally {
      clearTimeout(keepalive);
    }
  });
}
