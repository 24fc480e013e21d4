import type { AssistantModelMessage, ModelMessage, ToolResultPart } from "ai";

/** Error code of the synthetic result given to a tool call that never got one. */
export const missingResultCode = "TOOL_CALL_INTERRUPTED";

/** Builds the result given to a tool call that ended without one (abort, error, lost output). */
export function missingToolResult(
  toolCallId: string,
  toolName: string,
): ToolResultPart {
  return {
    type: "tool-result",
    toolCallId,
    toolName,
    output: {
      type: "error-json",
      value: {
        code: missingResultCode,
        message:
          "The tool call ended without a result because the turn was aborted or failed.",
      },
    },
  };
}

/**
 * Returns a history in which every tool call id is unique and has exactly one result,
 * placed in the tool messages right after the assistant message that made the call.
 * Chat endpoints reject histories that break this rule, so it is enforced both when a
 * history is stored and when one is replayed to the model:
 * - a call whose id was already used gets a new id (`<id>_2`, ...), and the results that
 *   follow it are renamed with it;
 * - a result without an open call, or a second result for one call, is dropped;
 * - calls still open when the next non-tool message starts (or the history ends) get a
 *   synthetic error result (`TOOL_CALL_INTERRUPTED`).
 * Tool results inside assistant messages and tool approval parts are dropped, because
 * behalf runs no provider-executed tools and requests no approvals.
 */
export function normalizeHistory(
  messages: readonly ModelMessage[],
): ModelMessage[] {
  const normalized: ModelMessage[] = [];
  const usedIds = new Set<string>();
  /** Calls waiting for a result, by their (possibly renamed) id, in call order. */
  const open = new Map<string, string>();
  /** Original id → renamed id, for the calls still open. */
  const renamed = new Map<string, string>();

  const closeOpenCalls = (): void => {
    if (open.size > 0) {
      normalized.push({
        role: "tool",
        content: [...open].map(([id, toolName]) =>
          missingToolResult(id, toolName),
        ),
      });
    }
    open.clear();
    renamed.clear();
  };

  for (const message of messages) {
    if (message.role === "tool") {
      const content: ToolResultPart[] = [];
      for (const part of message.content) {
        if (part.type !== "tool-result") {
          continue;
        }
        const id = open.has(part.toolCallId)
          ? part.toolCallId
          : renamed.get(part.toolCallId);
        if (id === undefined || !open.has(id)) {
          continue;
        }
        open.delete(id);
        content.push({ ...part, toolCallId: id });
      }
      if (content.length > 0) {
        normalized.push({ role: "tool", content });
      }
      continue;
    }

    closeOpenCalls();
    if (message.role !== "assistant" || typeof message.content === "string") {
      normalized.push(message);
      continue;
    }

    const content: Exclude<AssistantModelMessage["content"], string> = [];
    for (const part of message.content) {
      if (
        part.type === "tool-result" ||
        part.type === "tool-approval-request"
      ) {
        continue;
      }
      if (part.type !== "tool-call") {
        content.push(part);
        continue;
      }
      const id = uniqueId(part.toolCallId, usedIds);
      usedIds.add(id);
      if (id !== part.toolCallId) {
        renamed.set(part.toolCallId, id);
      }
      open.set(id, part.toolName);
      content.push({ ...part, toolCallId: id });
    }
    if (content.length > 0) {
      normalized.push({ ...message, content });
    }
  }
  closeOpenCalls();
  return normalized;
}

/** Returns `id`, or `<id>_2`, `<id>_3`, ... when `id` is taken. */
export function uniqueId(id: string, usedIds: ReadonlySet<string>): string {
  if (!usedIds.has(id)) {
    return id;
  }
  for (let suffix = 2; ; suffix++) {
    const candidate = `${id}_${suffix}`;
    if (!usedIds.has(candidate)) {
      return candidate;
    }
  }
}

/** Returns every tool call id in a history. */
export function toolCallIds(messages: readonly ModelMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) {
    if (message.role === "assistant" && Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === "tool-call") {
          ids.add(part.toolCallId);
        }
      }
    }
  }
  return ids;
}

/**
 * Keeps the newest messages of a history, at most `maxMessages` unless one turn alone
 * is longer. The cut is made before a user message, so no tool call loses its result.
 */
export function trimHistory(
  messages: readonly ModelMessage[],
  maxMessages: number,
): ModelMessage[] {
  if (messages.length <= maxMessages) {
    return [...messages];
  }
  const earliestStart = messages.length - maxMessages;
  for (let index = earliestStart; index < messages.length; index++) {
    if (messages[index]?.role === "user") {
      return messages.slice(index);
    }
  }
  // No user message in the window: keep the whole last turn rather than split it.
  for (let index = earliestStart - 1; index >= 0; index--) {
    if (messages[index]?.role === "user") {
      return messages.slice(index);
    }
  }
  return [...messages];
}

/** Returns whether a message list is a whole conversation, not only new user input. */
export function containsAssistantTurns(
  messages: readonly ModelMessage[],
): boolean {
  return messages.some(
    (message) => message.role === "assistant" || message.role === "tool",
  );
}
