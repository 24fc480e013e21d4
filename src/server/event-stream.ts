import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AgentEvent } from "../agent/agent-events.js";
import type { BehalfError } from "../errors/errors.js";
import { bearerChallenge } from "./request-identity.js";

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

/** A protocol adapter that turns agent events into its own response. */
export interface TurnOutput {
  accept(event: AgentEvent): unknown[];
  readonly error: BehalfError | undefined;
}

/** Reads a turn to its end into `output` and returns the error that ended it, if any. */
export async function drainTurn(
  events: AsyncIterable<AgentEvent>,
  output: TurnOutput,
): Promise<BehalfError | undefined> {
  for await (const event of events) {
    output.accept(event);
  }
  return output.error;
}

/**
 * Returns the JSON response of a turn that ended in `failure`, with its status. A 401
 * (a token that expired or was revoked during the turn) also gets the `WWW-Authenticate`
 * challenge that a 401 before the turn gets.
 */
export function turnFailureResponse(
  context: Context,
  failure: BehalfError,
  body: unknown = failure.toJSON(),
): Response {
  if (failure.status === 401) {
    context.header("WWW-Authenticate", bearerChallenge);
  }
  return context.json(body, failure.status as ContentfulStatusCode);
}

/** The payloads a stream sends before `[DONE]` when the client asked for the trace id. */
export function traceIdTrailer(traceId: string | undefined): unknown[] {
  return traceId === undefined ? [] : [{ trace_id: traceId }];
}
