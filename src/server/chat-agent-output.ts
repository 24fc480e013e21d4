import { randomBytes } from "node:crypto";
import type {
  AgentEvent,
  TokenUsage,
  TurnStopSummary,
} from "../agent/agent-events.js";
import type { BehalfError } from "../errors/errors.js";

/** A message of an MLflow `ChatAgentResponse`; every one has its own `id`. */
export interface ChatAgentMessage {
  role: "assistant" | "tool";
  /** Null on an assistant message that only calls tools. */
  content: string | null;
  id: string;
  name?: string;
  tool_calls?: {
    id: string;
    type: "function";
    function: { name: string; arguments: string };
  }[];
  tool_call_id?: string;
}

export interface ChatAgentOutputOptions {
  conversationId: string;
  /** Sent as `metadata.trace_id` when set. */
  traceId?: string;
}

function newMessageId(): string {
  return `msg_${randomBytes(12).toString("hex")}`;
}

/**
 * Builds an MLflow ChatAgent response from agent events: one assistant message per text
 * block and per tool call, and one tool message per result. `accept` returns the
 * `ChatAgentChunk`s of one event, each with a `delta` message that carries its id. Text
 * deltas of one message share the id, so clients join content by id. `response()`
 * returns the whole `ChatAgentResponse`.
 */
export class ChatAgentOutput {
  readonly #messages: ChatAgentMessage[] = [];
  readonly #textMessages = new Map<string, ChatAgentMessage>();
  readonly #options: ChatAgentOutputOptions;
  #lastTextMessage: ChatAgentMessage | undefined;
  #usage: TokenUsage | undefined;
  #stop: TurnStopSummary | undefined;
  #error: BehalfError | undefined;

  constructor(options: ChatAgentOutputOptions) {
    this.#options = options;
  }

  get error(): BehalfError | undefined {
    return this.#error;
  }

  accept(event: AgentEvent): Record<string, unknown>[] {
    switch (event.type) {
      case "text-start": {
        const message: ChatAgentMessage = {
          role: "assistant",
          content: "",
          id: newMessageId(),
        };
        this.#messages.push(message);
        this.#textMessages.set(event.id, message);
        this.#lastTextMessage = message;
        return [];
      }
      case "text-delta": {
        const message = this.#textMessages.get(event.id);
        if (message === undefined) {
          return [];
        }
        message.content = (message.content ?? "") + event.delta;
        return [
          {
            delta: {
              role: "assistant",
              content: event.delta,
              id: message.id,
            },
          },
        ];
      }
      case "tool-call":
        return [
          {
            delta: this.#append({
              role: "assistant",
              content: null,
              id: newMessageId(),
              tool_calls: [
                {
                  id: event.toolCallId,
                  type: "function",
                  function: {
                    name: event.toolName,
                    arguments: JSON.stringify(event.input ?? {}),
                  },
                },
              ],
            }),
          },
        ];
      case "tool-result":
      case "tool-error": {
        const output =
          event.type === "tool-result" ? event.output : { error: event.error };
        return [
          {
            delta: this.#append({
              role: "tool",
              content: JSON.stringify(output ?? null),
              id: newMessageId(),
              name: event.toolName,
              tool_call_id: event.toolCallId,
            }),
          },
        ];
      }
      case "finish": {
        this.#usage = event.usage;
        this.#stop = event.stop;
        // The last chunk names a message again, as ChatAgentChunk requires a delta.
        return [
          {
            delta: {
              role: "assistant",
              content: "",
              id: this.#lastTextMessage?.id ?? newMessageId(),
            },
            finish_reason: "stop",
            custom_outputs: this.#customOutputs(),
            usage: this.#usageBody(),
          },
        ];
      }
      case "error":
        this.#error = event.error;
        // MLflow's agent server streams a failure as {"error": "<message>"}.
        return [{ error: event.error.message, error_code: event.error.code }];
      default:
        return [];
    }
  }

  response(): Record<string, unknown> {
    const { traceId } = this.#options;
    return {
      messages: this.#messages,
      finish_reason: "stop",
      custom_outputs: this.#customOutputs(),
      ...(this.#usage === undefined ? {} : { usage: this.#usageBody() }),
      ...(traceId === undefined ? {} : { metadata: { trace_id: traceId } }),
    };
  }

  #append(message: ChatAgentMessage): ChatAgentMessage {
    this.#messages.push(message);
    return message;
  }

  #customOutputs(): Record<string, unknown> {
    return {
      conversation_id: this.#options.conversationId,
      ...(this.#stop === undefined ? {} : { stop_reason: this.#stop.reason }),
    };
  }

  #usageBody(): Record<string, number> {
    return {
      prompt_tokens: this.#usage?.inputTokens ?? 0,
      completion_tokens: this.#usage?.outputTokens ?? 0,
      total_tokens: this.#usage?.totalTokens ?? 0,
    };
  }
}
