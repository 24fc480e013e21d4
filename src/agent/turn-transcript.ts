import type {
  AssistantModelMessage,
  JSONValue,
  ModelMessage,
  TextPart,
  ToolResultPart,
} from "ai";
import type { AgentEvent } from "./run-agent.js";

type AssistantPart = Exclude<AssistantModelMessage["content"], string>[number];

/**
 * Rebuilds the messages of one agent turn from its events, in the form the model is
 * sent on the next turn: per step, one assistant message with its text and tool calls,
 * then one tool message with the results. Tool progress and finish events carry
 * nothing for the history.
 */
export class TurnTranscript {
  readonly #messages: ModelMessage[] = [];
  readonly #textParts = new Map<string, TextPart>();
  #assistantParts: AssistantPart[] = [];
  #results: ToolResultPart[] = [];

  accept(event: AgentEvent): void {
    switch (event.type) {
      case "text-start": {
        const part: TextPart = { type: "text", text: "" };
        this.#currentAssistantParts().push(part);
        this.#textParts.set(event.id, part);
        break;
      }
      case "text-delta": {
        const part = this.#textParts.get(event.id);
        if (part !== undefined) {
          part.text += event.delta;
        }
        break;
      }
      case "tool-call":
        this.#currentAssistantParts().push({
          type: "tool-call",
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          input: event.input ?? {},
        });
        break;
      case "tool-result":
        this.#results.push({
          type: "tool-result",
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          output: { type: "json", value: toJsonValue(event.output) },
        });
        break;
      case "tool-error":
        this.#results.push({
          type: "tool-result",
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          output: {
            type: "error-json",
            value: { code: event.error.code, message: event.error.message },
          },
        });
        break;
      default:
        break;
    }
  }

  /** Returns the turn's messages so far. */
  messages(): ModelMessage[] {
    this.#flush();
    return [...this.#messages];
  }

  /** Parts of the step's assistant message; results already seen mean a new step began. */
  #currentAssistantParts(): AssistantPart[] {
    if (this.#results.length > 0) {
      this.#flush();
    }
    return this.#assistantParts;
  }

  #flush(): void {
    const parts = this.#assistantParts.filter(
      (part) => part.type !== "text" || part.text !== "",
    );
    if (parts.length > 0) {
      this.#messages.push({ role: "assistant", content: parts });
    }
    if (this.#results.length > 0) {
      this.#messages.push({ role: "tool", content: this.#results });
    }
    this.#assistantParts = [];
    this.#results = [];
    this.#textParts.clear();
  }
}

/**
 * Returns a tool output as plain JSON. Values JSON cannot represent are dropped
 * (undefined, functions) or written as text (BigInt), so an odd output never fails the turn.
 */
function toJsonValue(value: unknown): JSONValue {
  const text = JSON.stringify(value ?? null, (_key, item: unknown) =>
    typeof item === "bigint" ? item.toString() : item,
  );
  return (text === undefined ? null : JSON.parse(text)) as JSONValue;
}
