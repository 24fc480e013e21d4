import type { Context } from "hono";
import { type AgentServices, startAgentTurn } from "./agent-turn.js";
import { ChatAgentOutput } from "./chat-agent-output.js";
import {
  chatMessagesToModelMessages,
  parseChatAgentRequest,
} from "./chat-requests.js";
import {
  drainTurn,
  streamAgentEvents,
  traceIdTrailer,
  turnFailureResponse,
} from "./event-stream.js";

/**
 * Handles an MLflow ChatAgent request (`POST /invocations` with `messages` and no
 * `input`): a `ChatAgentResponse` as JSON, or with `"stream": true` one
 * `ChatAgentChunk` per server-sent event and then `data: [DONE]`.
 */
export function createChatAgentHandler(services: AgentServices) {
  return async (context: Context, body: unknown): Promise<Response> => {
    const request = parseChatAgentRequest(body);
    const turn = await startAgentTurn(context, services, {
      bodyConversationId: request.context?.conversation_id ?? undefined,
      messages: chatMessagesToModelMessages(request.messages),
      protocol: "chat-agent",
    });

    if (request.stream !== true) {
      const output = new ChatAgentOutput({
        conversationId: turn.conversationId,
        traceId: turn.traceId,
      });
      const failure = await drainTurn(turn.events, output);
      if (failure !== undefined) {
        return turnFailureResponse(context, failure);
      }
      return context.json(output.response());
    }

    const output = new ChatAgentOutput({
      conversationId: turn.conversationId,
    });
    return streamAgentEvents(context, {
      events: turn.events,
      keepaliveMilliseconds: services.keepaliveMilliseconds,
      encode: (event) => output.accept(event),
      trailer: () => traceIdTrailer(turn.traceId),
    });
  };
}
