import {
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  stepCountIs,
  streamText,
  type ToolSet,
} from "ai";
import { CancelledError, toBehalfError } from "../errors/errors.js";
import type { ToolRunContext } from "../tools/tool-context.js";
import type {
  AgentEvent,
  TokenUsage,
  TurnStopSummary,
} from "./agent-events.js";
import { toolCallIds } from "./conversation-history.js";
import { EventQueue } from "./event-queue.js";
import { toModelError } from "./model-error.js";
import { ToolCallIds } from "./tool-call-ids.js";
import {
  describeTurnStop,
  guardTools,
  TurnGuard,
  type TurnLimitSettings,
} from "./turn-limits.js";

export type {
  AgentEvent,
  TokenUsage,
  TurnStopSummary,
} from "./agent-events.js";

export interface AgentSettings extends TurnLimitSettings {
  systemPrompt: string;
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

export interface AgentInput {
  /** The history to continue; its tool call ids are kept unique by `normalizeHistory`. */
  messages: ModelMessage[];
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Text id of the answer behalf writes when it stops a turn early. */
const stopTextId = "behalf-stop";

/**
 * Runs one agent turn: the model (called as the app) plans, tools (running as the user
 * through the request scope) act, until the model answers or a turn limit is reached
 * (`TurnGuard`: model calls, tool calls, identical calls, failures in a row, the
 * deadline). Call it inside the request scope. Every event is yielded in order; a turn
 * that stops at a limit ends with behalf's own answer text and `finish`, and a failed
 * or cancelled turn ends with one `error` event instead of throwing. A tool call whose
 * credential the workspace rejects (`UNAUTHENTICATED`) ends the turn at once with that
 * error, so the client can ask the user to sign in again. Calls left open by an abort
 * or failure get a `tool-error` result before the last event.
 */
export function runAgent(
  dependencies: AgentDependencies,
  input: AgentInput,
): AsyncIterable<AgentEvent> {
  const queue = new EventQueue<AgentEvent>();
  runTurn(dependencies, input, queue)
    .catch((error: unknown) => {
      queue.push({ type: "error", error: toBehalfError(error) });
    })
    .finally(() => queue.close());
  return queue;
}

async function runTurn(
  dependencies: AgentDependencies,
  input: AgentInput,
  queue: EventQueue<AgentEvent>,
): Promise<void> {
  const { settings } = dependencies;
  // A rejected credential aborts the model call and the step's other tools at once,
  // because every later request with the same token would be rejected as well.
  const credentialRejected = new AbortController();
  const guard = new TurnGuard(settings, {
    onCredentialRejected: () => credentialRejected.abort(),
  });
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    guard.stopAtDeadline();
    deadline.abort();
  }, settings.turnDeadlineSeconds * 1000);
  const signal = AbortSignal.any([
    input.signal,
    deadline.signal,
    credentialRejected.signal,
  ]);

  const ids = new ToolCallIds(toolCallIds(input.messages));
  /** Calls without a result yet: published id → tool name. */
  const openCalls = new Map<string, string>();
  const usage = new UsageTotal();
  let modelId: string | undefined;
  let finishReason: string | undefined;
  let failure: unknown;
  let failed = false;

  const context: ToolRunContext = {
    reportProgress: (progress) =>
      queue.push({
        type: "tool-progress",
        ...progress,
        toolCallId: ids.forResult(progress.toolCallId),
      }),
  };

  try {
    const result = streamText({
      model: dependencies.model,
      system: settings.systemPrompt,
      messages: input.messages,
      tools: guardTools(dependencies.tools, guard),
      stopWhen: [stepCountIs(settings.maxSteps), guard.isStopped],
      temperature: settings.temperature,
      maxOutputTokens: settings.maxTokens,
      abortSignal: signal,
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
        case "tool-call": {
          const toolCallId = ids.forCall(part.toolCallId);
          openCalls.set(toolCallId, part.toolName);
          queue.push({
            type: "tool-call",
            toolCallId,
            toolName: part.toolName,
            input: part.input,
          });
          break;
        }
        case "tool-result": {
          const toolCallId = ids.forResult(part.toolCallId);
          if (openCalls.delete(toolCallId)) {
            queue.push({
              type: "tool-result",
              toolCallId,
              toolName: part.toolName,
              output: part.output,
            });
          }
          break;
        }
        case "tool-error": {
          const toolCallId = ids.forResult(part.toolCallId);
          if (openCalls.delete(toolCallId)) {
            queue.push({
              type: "tool-error",
              toolCallId,
              toolName: part.toolName,
              error: toolErrorOf(part.error),
            });
          }
          break;
        }
        case "finish-step":
          modelId = part.response.modelId;
          usage.add(part.usage);
          break;
        case "finish":
          finishReason = part.finishReason;
          break;
        case "error":
          failed = true;
          failure = part.error;
          break;
        default:
          // "abort" needs no handling here: the signals below tell who aborted.
          break;
      }
    }
  } catch (error) {
    failed = true;
    failure = error;
  } finally {
    clearTimeout(timer);
  }

  const closeOpenCalls = (code: string, message: string): void => {
    for (const [toolCallId, toolName] of openCalls) {
      queue.push({
        type: "tool-error",
        toolCallId,
        toolName,
        error: { code, message },
      });
    }
    openCalls.clear();
  };

  // A disconnect decides the outcome over every other, because no one will read the answer.
  if (input.signal.aborted) {
    const cancelled = new CancelledError();
    closeOpenCalls(cancelled.code, cancelled.message);
    queue.push({ type: "error", error: cancelled });
    return;
  }

  const rejection = guard.credentialRejection;
  if (rejection !== undefined) {
    // The abort keeps the SDK from reporting the failed call, so its error is added here.
    const failedCallId = ids.forResult(rejection.toolCallId);
    if (openCalls.delete(failedCallId)) {
      queue.push({
        type: "tool-error",
        toolCallId: failedCallId,
        toolName: rejection.toolName,
        error: toolErrorOf(rejection.error),
      });
    }
    closeOpenCalls(
      rejection.error.code,
      `Not finished: the workspace rejected the user's credential in a ${rejection.toolName} call.`,
    );
    queue.push({ type: "error", error: rejection.error });
    return;
  }

  if (deadline.signal.aborted) {
    closeOpenCalls(
      "DEADLINE_EXCEEDED",
      `Not finished: the turn reached its time limit of ${settings.turnDeadlineSeconds} s.`,
    );
  } else if (failed) {
    const error = toModelError(failure, settings.endpoint);
    closeOpenCalls(
      error.code,
      `Not finished: the turn failed (${error.message})`,
    );
    queue.push({ type: "error", error });
    return;
  } else if (guard.stop === undefined && finishReason === "tool-calls") {
    // The last step asked for more tools, so the loop ended at agent.maxSteps.
    guard.stopAtStepLimit();
  }

  const stop = guard.stop;
  let stopSummary: TurnStopSummary | undefined;
  if (stop !== undefined) {
    const message = describeTurnStop(stop, guard.failures);
    stopSummary = { reason: stop.reason, message };
    queue.push({ type: "text-start", id: stopTextId });
    queue.push({ type: "text-delta", id: stopTextId, delta: message });
    queue.push({ type: "text-end", id: stopTextId });
  }
  queue.push({
    type: "finish",
    modelId,
    finishReason: finishReason ?? "stop",
    usage: usage.total(),
    ...(stopSummary === undefined ? {} : { stop: stopSummary }),
  });
}

function toolErrorOf(error: unknown): { code: string; message: string } {
  const typed = toBehalfError(error);
  return { code: typed.code, message: typed.message };
}

/** Sums the token usage of the turn's steps, so an aborted turn still reports what it used. */
class UsageTotal {
  #input: number | undefined;
  #output: number | undefined;
  #total: number | undefined;

  add(usage: LanguageModelUsage): void {
    this.#input = sum(this.#input, usage.inputTokens);
    this.#output = sum(this.#output, usage.outputTokens);
    this.#total = sum(this.#total, usage.totalTokens);
  }

  total(): TokenUsage {
    return {
      inputTokens: this.#input,
      outputTokens: this.#output,
      totalTokens: this.#total,
    };
  }
}

function sum(
  left: number | undefined,
  right: number | undefined,
): number | undefined {
  return right === undefined ? left : (left ?? 0) + right;
}
