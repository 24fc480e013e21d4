import type { BehalfError } from "../errors/errors.js";
import type { ToolProgress } from "../tools/tool-context.js";
import type { TurnStop } from "./turn-limits.js";

export interface TokenUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens: number | undefined;
}

/** The reason a turn ended early, with the text behalf wrote in place of the model's answer. */
export interface TurnStopSummary {
  reason: TurnStop["reason"];
  message: string;
}

/**
 * Events of one agent turn, in order, which protocol adapters turn into their wire
 * format. Every `tool-call` is followed, before `finish` or `error`, by exactly one
 * `tool-result` or `tool-error` with the same `toolCallId`.
 */
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
      /** Set when behalf ended the turn early and wrote the final answer itself. */
      stop?: TurnStopSummary;
    }
  | { type: "error"; error: BehalfError };
