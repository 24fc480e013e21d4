import type { Context } from "hono";
import { type AgentServices, startAgentTurn } from "./agent-turn.js";
import {
  drainTurn,
  streamAgentEvents,
  traceIdTrailer,
  turnFailureResponse,
} from "./event-stream.js";
import { ResponsesOutput } from "./responses-output.js";
import { parseResponsesRequest, toModelMessages } from "./responses-request.js";

/**
 * Handles a ResponsesAgent request (`POST /responses`, and `POST /invocations` when the
 * body has `input`): JSON by default, server-sent events when the body has
 * `"stream": true`. Tool progress events (`behalf.tool_progress`) are added only when
 * the client sends `x-behalf-progress: true`, so strict Responses clients see only
 * standard events. With `x-mlflow-return-trace-id: true` the trace id is sent as
 * `metadata.trace_id`, or in a last `{"trace_id": ...}` event before `[DONE]`.
 */
export function createResponsesHandler(services: AgentServices) {
  return async (context: Context, body: unknown): Promise<Response> => {
    const request = parseResponsesRequest(body);
    const turn = await startAgentTurn(context, services, {
      bodyConversationId: request.context?.conversation_id ?? undefined,
      messages: toModelMessages(request.input),
      protocol: "responses",
    });

    if (request.stream !== true) {
      const output = new ResponsesOutput({
        defaultModel: services.agent.settings.endpoint,
        conversationId: turn.conversationId,
        traceId: turn.traceId,
      });
      const failure = await drainTurn(turn.events, output);
      if (failure !== undefined) {
        return turnFailureResponse(context, failure);
      }
      return context.json(output.response());
    }

    const output = new ResponsesOutput({
      defaultModel: services.agent.settings.endpoint,
      conversationId: turn.conversationId,
    });
    const withProgress = context.req.header("x-behalf-progress") === "true";
    return streamAgentEvents(context, {
      events: turn.events,
      keepaliveMilliseconds: services.keepaliveMilliseconds,
      prologue: () => output.opening(),
      encode: (event) =>
        event.type === "tool-progress" && !withProgress
          ? []
          : output.accept(event),
      trailer: () => traceIdTrailer(turn.traceId),
    });
  };
}
