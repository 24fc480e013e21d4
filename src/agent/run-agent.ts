import {
  APICallError,
  type LanguageModel,
  type ModelMessage,
  RetryError,
  stepCountIs,
  streamText,
  type ToolSet,
} from "ai";
import { readErrorBody, toTypedError } from "../databricks/error-mapping.js";
import {
  type BehalfError,
  CancelledError,
  toBehalfError,
  UpstreamError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import type { ToolProgress, ToolRunContext } from "../tools/tool-context.js";
import { EventQueue } from "./event-queue.js";

const logger = moduleLogger("agent");

export interface AgentSettings {
  systemPrompt: string;
  maxSteps: number;
  temperature: number;
  maxTokens: number;
  /** Serving endpoint name, for error messages. */
  endpoint: string;
}

export interface AgentDependencies {
  model: LanguageModel;
  tools: ToolSet;
  settings: AgentSettings;
}

export interface TokenUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens: number | undefined;
}

/** What happens during one agent turn, in order; protocol adapters turn these into their wire format. */
export type AgentEvent =
  | { type: "text-start"; id: string }
  | { type: "text-delta"; id: string; delta: string }
  | { type: "text-end"; id: string }
  | { type: "tool-call"; toolCallId: string; toolName: string; input: unknown }
  | ({ type: "tool-progress" } & ToolProgress)
  | {
      type: "tool-result";
      toolCallId: string;
      toolName: string;
      output: unknown;
    }
  | {
      type: "tool-error";
      toolCallId: string;
      toolName: string;
      error: { code: string; message: string };
    }
  | {
      type: "finish";
      modelId: string | undefined;
      finishReason: string;
      usage: TokenUsage;
    }
  | { type: "error"; error: BehalfError };

export interface AgentInput {
  messages: ModelMessage[];
  signal: AbortSignal;
}

/**
 * Runs one agent turn: the model (called as the app) plans, tools (running as the user
 * through the request scope) act, until the model answers or `maxSteps` model calls
 * have been made. Call it inside the request scope; every event is yielded in order and
 * failures end the stream with one `error` event instead of throwing.
 */
export function runAgent(
  dependencies: AgentDependencies,
  input: AgentInput,
): AsyncIterable<AgentEvent> {
  const queue = new EventQueue<AgentEvent>();
  const context: ToolRunContext = {
    reportProgress: (progress) =>
      queue.push({ type: "tool-progress", ...progress }),
  };

  const run = async (): Promise<void> => {
    const { settings } = dependencies;
    let modelId: string | undefined;
    let failed = false;

    const result = streamText({
      model: dependencies.model,
      system: settings.systemPrompt,
      messages: input.messages,
      tools: dependencies.tools,
      stopWhen: stepCountIs(settings.maxSteps),
      temperature: settings.temperature,
      maxOutputTokens: settings.maxTokens,
      abortSignal: input.signal,
      maxRetries: 1,
      experimental_context: context,
      onError: () => {
        // Errors are read from the stream below; this only stops the SDK's console output.
      },
    });

    for await (const part of result.fullStream) {
      switch (part.type) {
        case "text-start":
          queue.push({ type: "text-start", id: part.id });
          break;
        case "text-delta":
          queue.push({ type: "text-delta", id: part.id, delta: part.text });
          break;
        case "text-end":
          queue.push({ type: "text-end", id: part.id });
          break;
        case "tool-call":
          queue.push({
            type: "tool-call",
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
          });
          break;
        case "tool-result":
          queue.push({
            type: "tool-result",
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            output: part.output,
          });
          break;
        case "tool-error": {
          const error = toBehalfError(part.error);
          queue.push({
            type: "tool-error",
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            error: { code: error.code, message: error.message },
          });
          break;
        }
        case "finish-step":
          modelId = part.response.modelId;
          break;
        case "finish":
          if (!failed) {
            queue.push({
              type: "finish",
              modelId,
              finishReason: part.finishReason,
              usage: {
                inputTokens: part.totalUsage.inputTokens,
                outputTokens: part.totalUsage.outputTokens,
                totalTokens: part.totalUsage.totalTokens,
              },
            });
          }
          break;
        case "abort":
          failed = true;
          queue.push({ type: "error", error: new CancelledError() });
          break;
        case "error":
          failed = true;
          queue.push({
            type: "error",
            error: toModelError(part.error, settings.endpoint),
          });
          break;
        default:
          break;
      }
    }
  };

  run()
    .catch((error: unknown) => {
      const typed = input.signal.aborted
        ? new CancelledError()
        : toModelError(error, dependencies.settings.endpoint);
      queue.push({ type: "error", error: typed });
    })
    .finally(() => queue.close());

  return queue;
}

/** Maps a model call failure to a typed error that names the serving endpoint. */
function toModelError(error: unknown, endpoint: string): BehalfError {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(cause) && cause.statusCode !== undefined) {
    const status = cause.statusCode;
    const fields = readErrorBody(cause.responseBody ?? "");
    // The model is called as the app, so a refusal is a deployment problem, never the user's.
    if (status === 401 || status === 403) {
      return new UpstreamError(
        `The serving endpoint ${endpoint} refused the app's identity (HTTP ${status}: ${fields.message}). ` +
          "Check the app credentials and that the app has CAN_QUERY on the endpoint.",
        {
          details: {
            upstreamStatus: status,
            upstreamErrorCode: fields.errorCode,
          },
        },
      );
    }
    const retryAfter = cause.responseHeaders?.["retry-after"] ?? null;
    return toTypedError(status, fields, retryAfter, {
      service: `Serving endpoint ${endpoint}`,
      operation: "chat completion as the app",
    });
  }
  const typed = toBehalfError(cause);
  if (typed.code === "INTERNAL_ERROR") {
    logger.error({ err: cause }, "agent turn failed");
  }
  return typed;
}
