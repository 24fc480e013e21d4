import type { Context } from "hono";
import { type AgentServices, startAgentTurn } from "./agent-turn.js";
import {
  chatMessagesToModelMessages,
  parseOpenAIChatRequest,
} from "./chat-requests.js";
import {
  drainTurn,
  streamAgentEvents,
  traceIdTrailer,
  turnFailureResponse,
} from "./event-stream.js";
import { OpenAIChatOutput, toOpenAIError } from "./openai-chat-output.js";

/**
 * Handles `POST /v1/chat/completions`, so OpenAI clients can use behalf as their base
 * URL (`<server>/v1`) with the user's token as API key. The conversation id travels only
 * in the `x-behalf-conversation-id` header, which OpenAI's request body has no field for.
 */
export function createOpenAIChatHandler(services: AgentServices) {
  return async (context: Context, body: unknown): Promise<Response> => {
    const request = parseOpenAIChatRequest(body);
    const turn = await startAgentTurn(context, services, {
      bodyConversationId: undefined,
      messages: chatMessagesToModelMessages(request.messages),
      protocol: "openai-chat",
    });
    const output = new OpenAIChatOutput({
      defaultModel: services.agent.settings.endpoint,
      conversationId: turn.conversationId,
      includeUsage: request.stream_options?.include_usage === true,
      traceId: request.stream === true ? undefined : turn.traceId,
    });

    if (request.stream !== true) {
      const failure = await drainTurn(turn.events, output);
      if (failure !== undefined) {
        // The Databricks fields sit beside OpenAI's `error` object, as on every /v1/ error.
        return turnFailureResponse(context, failure, {
          ...failure.toJSON(),
          error: toOpenAIError(failure),
        });
      }
      return context.json(output.completion());
    }

    return streamAgentEvents(context, {
      events: turn.events,
      keepaliveMilliseconds: services.keepaliveMilliseconds,
      encode: (event) => output.accept(event),
      trailer: () => traceIdTrailer(turn.traceId),
    });
  };
}
