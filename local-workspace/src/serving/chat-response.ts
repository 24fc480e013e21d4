/**
 * OpenAI `chat.completion` bodies and `chat.completion.chunk` server-sent events for
 * offline-router's decisions. Each carries a `metadata` field that marks the reply as
 * coming from a planner, not a language model.
 */
import { randomBytes } from "node:crypto";
import { offlineRouterModel, type RouterDecision } from "./offline-router.js";

export const offlineRouterMetadata = {
  planner: offlineRouterModel,
  note: "deterministic planner, not a language model",
};

/** Number of content deltas a streamed text answer is split into, at most. */
const streamedContentPieces = 4;

export interface CompletionContext {
  id: string;
  /** Seconds since the epoch, as OpenAI sends it. */
  created: number;
  /** Estimated size of the request, used for `usage.prompt_tokens`. */
  promptTokens: number;
}

export interface PlannedToolCall {
  id: string;
  name: string;
  /** Arguments as the JSON string OpenAI clients expect. */
  arguments: string;
}

/**
 * Estimates a token count as one token per four characters, the usual rule of thumb
 * for English text, because offline-router has no tokenizer.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function newCompletionContext(request: unknown): CompletionContext {
  return {
    id: `chatcmpl-${randomBytes(12).toString("hex")}`,
    created: Math.floor(Date.now() / 1000),
    promptTokens: estimateTokens(JSON.stringify(request)),
  };
}

export function toolCallOf(
  decision: Extract<RouterDecision, { kind: "tool-call" }>,
): PlannedToolCall {
  return {
    id: `call_${randomBytes(12).toString("hex")}`,
    name: decision.toolName,
    arguments: JSON.stringify(decision.arguments),
  };
}

function usageOf(context: CompletionContext, generated: string) {
  const completionTokens = estimateTokens(generated);
  return {
    prompt_tokens: context.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: context.promptTokens + completionTokens,
  };
}

/** Builds the non-streamed `chat.completion` body. */
export function completionBody(
  decision: RouterDecision,
  context: CompletionContext,
) {
  const toolCall =
    decision.kind === "tool-call" ? toolCallOf(decision) : undefined;
  const message = toolCall
    ? {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: toolCall.arguments },
          },
        ],
      }
    : {
        role: "assistant",
        content: decision.kind === "answer" ? decision.content : "",
      };
  const generated = toolCall
    ? toolCall.name + toolCall.arguments
    : (message.content ?? "");

  return {
    id: context.id,
    object: "chat.completion",
    created: context.created,
    model: offlineRouterModel,
    choices: [
      {
        index: 0,
        message,
        finish_reason: toolCall ? "tool_calls" : "stop",
      },
    ],
    usage: usageOf(context, generated),
    metadata: offlineRouterMetadata,
  };
}

/**
 * Builds the `chat.completion.chunk` objects of a streamed reply: the role, then content in
 * a few pieces or a tool call (name first, arguments after), then the finish reason,
 * then usage when `includeUsage` is set. The caller ends the stream with `[DONE]`.
 */
export function completionChunks(
  decision: RouterDecision,
  context: CompletionContext,
  includeUsage: boolean,
): object[] {
  const chunk = (choices: object[], extra: object = {}) => ({
    id: context.id,
    object: "chat.completion.chunk",
    created: context.created,
    model: offlineRouterModel,
    choices,
    metadata: offlineRouterMetadata,
    ...extra,
  });
  const delta = (content: object, finishReason: string | null = null) =>
    chunk([{ index: 0, delta: content, finish_reason: finishReason }]);

  const chunks: object[] = [delta({ role: "assistant", content: "" })];
  let generated: string;
  let finishReason: string;

  if (decision.kind === "tool-call") {
    const toolCall = toolCallOf(decision);
    generated = toolCall.name + toolCall.arguments;
    finishReason = "tool_calls";
    chunks.push(
      delta({
        tool_calls: [
          {
            index: 0,
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: "" },
          },
        ],
      }),
      delta({
        tool_calls: [{ index: 0, function: { arguments: toolCall.arguments } }],
      }),
    );
  } else {
    generated = decision.content;
    finishReason = "stop";
    for (const piece of splitIntoPieces(
      decision.content,
      streamedContentPieces,
    )) {
      chunks.push(delta({ content: piece }));
    }
  }

  chunks.push(delta({}, finishReason));
  if (includeUsage) {
    chunks.push(chunk([], { usage: usageOf(context, generated) }));
  }
  return chunks;
}

/** Encodes chunks as server-sent events ending with `data: [DONE]`. */
export function serverSentEvents(chunks: readonly object[]): string {
  const events = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  return `${events.join("")}data: [DONE]\n\n`;
}

/**
 * Splits text into at most `count` pieces at whitespace, so that joining the pieces
 * gives the text back exactly.
 */
export function splitIntoPieces(text: string, count: number): string[] {
  const targetLength = Math.ceil(text.length / count);
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + targetLength);
    const nextSpace = text.indexOf(" ", end);
    end = nextSpace === -1 ? text.length : nextSpace + 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
