import { randomBytes } from "node:crypto";
import type {
  AgentEvent,
  TokenUsage,
  TurnStopSummary,
} from "../agent/agent-events.js";
import type { BehalfError } from "../errors/errors.js";

/** One tool call of the turn with its result, in the `behalf.tool_steps` extension field. */
export interface OpenAIToolStep {
  id: string;
  name: string;
  /** JSON text, as OpenAI writes tool call arguments. */
  arguments: string;
  output?: unknown;
  error?: { code: string; message: string };
}

export interface OpenAIChatOutputOptions {
  /** Model name to report until the model has named itself. */
  defaultModel: string;
  conversationId: string;
  /** Adds a last chunk with `usage`, as `stream_options.include_usage` requests. */
  includeUsage: boolean;
  /** Sent as `metadata.trace_id` when set. */
  traceId?: string;
}

/** Returns the OpenAI error object for a behalf error, which the `openai` client reads. */
export function toOpenAIError(error: BehalfError): {
  message: string;
  type: string;
  code: string;
  param: null;
} {
  const types: Record<number, string> = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
  };
  return {
    message: error.message,
    type: types[error.status] ?? "server_error",
    code: error.code,
    param: null,
  };
}

/**
 * Builds an OpenAI `chat.completion` (or its `chat.completion.chunk` stream) from agent
 * events. The answer is the assistant message. The tool calls behalf made are not
 * `tool_calls`, which would ask the client to run them, but sit in the extension field
 * `behalf.tool_steps` (in the stream: chunks with empty `choices` and
 * `behalf.tool_call` or `behalf.tool_result`).
 */
export class OpenAIChatOutput {
  readonly id = `chatcmpl-${randomBytes(12).toString("hex")}`;
  readonly created = Math.floor(Date.now() / 1000);
  readonly #options: OpenAIChatOutputOptions;
  readonly #steps: OpenAIToolStep[] = [];
  #text = "";
  #textBlocks = 0;
  #sentRole = false;
  #model: string | undefined;
  #usage: TokenUsage | undefined;
  #stop: TurnStopSummary | undefined;
  #error: BehalfError | undefined;

  constructor(options: OpenAIChatOutputOptions) {
    this.#options = options;
  }

  get error(): BehalfError | undefined {
    return this.#error;
  }

  accept(event: AgentEvent): Record<string, unknown>[] {
    switch (event.type) {
      case "text-start":
        this.#textBlocks += 1;
        // Text blocks join into one answer, separated as paragraphs.
        return this.#textBlocks > 1 && this.#text !== ""
          ? [this.#contentChunk("\n\n")]
          : [];
      case "text-delta":
        return event.delta === "" ? [] : [this.#contentChunk(event.delta)];
      case "tool-call": {
        const step: OpenAIToolStep = {
          id: event.toolCallId,
          name: event.toolName,
          arguments: JSON.stringify(event.input ?? {}),
        };
        this.#steps.push(step);
        return [this.#extensionChunk({ tool_call: { ...step } })];
      }
      case "tool-result":
      case "tool-error": {
        const step = this.#steps.find(
          (candidate) => candidate.id === event.toolCallId,
        );
        const result =
          event.type === "tool-result"
            ? { output: event.output ?? null }
            : { error: event.error };
        if (step !== undefined) {
          Object.assign(step, result);
        }
        return [
          this.#extensionChunk({
            tool_result: {
              id: event.toolCallId,
              name: event.toolName,
              ...result,
            },
          }),
        ];
      }
      case "finish": {
        this.#model = event.modelId;
        this.#usage = event.usage;
        this.#stop = event.stop;
        const chunks: Record<string, unknown>[] = [
          {
            ...this.#chunkBase(),
            choices: [
              { index: 0, delta: {}, finish_reason: "stop", logprobs: null },
            ],
            metadata: { conversation_id: this.#options.conversationId },
            ...(this.#stop === undefined
              ? {}
              : { behalf: { stop_reason: this.#stop.reason } }),
          },
        ];
        if (this.#options.includeUsage) {
          chunks.push({
            ...this.#chunkBase(),
            choices: [],
            usage: this.#usageBody(),
          });
        }
        return chunks;
      }
      case "error":
        this.#error = event.error;
        return [{ error: toOpenAIError(event.error) }];
      default:
        return [];
    }
  }

  /** Returns the `chat.completion` object for the whole turn. */
  completion(): Record<string, unknown> {
    const { conversationId, traceId } = this.#options;
    return {
      id: this.id,
      object: "chat.completion",
      created: this.created,
      model: this.#modelName(),
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: this.#text, refusal: null },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      usage: this.#usageBody(),
      metadata: {
        conversation_id: conversationId,
        ...(traceId === undefined ? {} : { trace_id: traceId }),
      },
      behalf: {
        tool_steps: this.#steps,
        ...(this.#stop === undefined ? {} : { stop_reason: this.#stop.reason }),
      },
    };
  }

  #contentChunk(content: string): Record<string, unknown> {
    this.#text += content;
    const delta = this.#sentRole ? { content } : { role: "assistant", content };
    this.#sentRole = true;
    return {
      ...this.#chunkBase(),
      choices: [{ index: 0, delta, finish_reason: null, logprobs: null }],
    };
  }

  #extensionChunk(behalf: Record<string, unknown>): Record<string, unknown> {
    return { ...this.#chunkBase(), choices: [], behalf };
  }

  #chunkBase() {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.#modelName(),
    };
  }

  #modelName(): string {
    return this.#model ?? this.#options.defaultModel;
  }

  #usageBody(): Record<string, number> {
    return {
      prompt_tokens: this.#usage?.inputTokens ?? 0,
      completion_tokens: this.#usage?.outputTokens ?? 0,
      total_tokens: this.#usage?.totalTokens ?? 0,
    };
  }
}
