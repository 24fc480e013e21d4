import { randomBytes } from "node:crypto";
import type {
  AgentEvent,
  TokenUsage,
  TurnStopSummary,
} from "../agent/agent-events.js";
import type { BehalfError } from "../errors/errors.js";

export interface OutputTextContent {
  type: "output_text";
  text: string;
  annotations: unknown[];
}

export type OutputItem =
  | {
      type: "message";
      id: string;
      role: "assistant";
      status: "in_progress" | "completed";
      content: OutputTextContent[];
    }
  | {
      type: "function_call";
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: "completed";
    }
  | {
      type: "function_call_output";
      id: string;
      call_id: string;
      output: string;
    };

/** One server-sent event of the Responses stream, as JSON. */
export type StreamEvent = Record<string, unknown> & { type: string };

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("hex")}`;
}

export interface ResponsesOutputOptions {
  /** Model name to report until the model has named itself. */
  defaultModel: string;
  conversationId: string;
  /** Sent as `metadata.trace_id` when set. */
  traceId?: string;
}

/**
 * Builds a ResponsesAgent response from agent events. `accept` returns the stream events
 * for one agent event; `response()` returns the whole response object so far, which
 * the non-streaming route sends and `response.completed` carries. The conversation id
 * goes in `metadata` (Responses clients) and `custom_outputs` (MLflow clients).
 */
export class ResponsesOutput {
  readonly id = newId("resp");
  readonly createdAt = Math.floor(Date.now() / 1000);
  readonly #output: OutputItem[] = [];
  readonly #messageIndexById = new Map<string, number>();
  readonly #options: ResponsesOutputOptions;
  #model: string | undefined;
  #usage: TokenUsage | undefined;
  #stop: TurnStopSummary | undefined;
  #error: BehalfError | undefined;
  #sequence = 0;

  constructor(options: ResponsesOutputOptions) {
    this.#options = options;
  }

  get error(): BehalfError | undefined {
    return this.#error;
  }

  accept(event: AgentEvent): StreamEvent[] {
    switch (event.type) {
      case "text-start": {
        const item: OutputItem = {
          type: "message",
          id: newId("msg"),
          role: "assistant",
          status: "in_progress",
          content: [{ type: "output_text", text: "", annotations: [] }],
        };
        const outputIndex = this.#append(item);
        this.#messageIndexById.set(event.id, outputIndex);
        return this.#numbered([
          {
            type: "response.output_item.added",
            output_index: outputIndex,
            item: { ...item, content: [] },
          },
          {
            type: "response.content_part.added",
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            part: { type: "output_text", text: "", annotations: [] },
          },
        ]);
      }
      case "text-delta": {
        const outputIndex = this.#messageIndexById.get(event.id);
        const item =
          outputIndex === undefined ? undefined : this.#output[outputIndex];
        if (
          outputIndex === undefined ||
          item?.type !== "message" ||
          item.content[0] === undefined
        ) {
          return [];
        }
        item.content[0].text += event.delta;
        return this.#numbered([
          {
            type: "response.output_text.delta",
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            delta: event.delta,
          },
        ]);
      }
      case "text-end": {
        const outputIndex = this.#messageIndexById.get(event.id);
        const item =
          outputIndex === undefined ? undefined : this.#output[outputIndex];
        if (outputIndex === undefined || item?.type !== "message") {
          return [];
        }
        item.status = "completed";
        const part = item.content[0] ?? {
          type: "output_text",
          text: "",
          annotations: [],
        };
        return this.#numbered([
          {
            type: "response.output_text.done",
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            text: part.text,
          },
          {
            type: "response.content_part.done",
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            part,
          },
          {
            type: "response.output_item.done",
            output_index: outputIndex,
            item,
          },
        ]);
      }
      case "tool-call": {
        const item: OutputItem = {
          type: "function_call",
          id: newId("fc"),
          call_id: event.toolCallId,
          name: event.toolName,
          arguments: JSON.stringify(event.input ?? {}),
          status: "completed",
        };
        return this.#numbered(this.#addedAndDone(item));
      }
      case "tool-result":
      case "tool-error": {
        const output =
          event.type === "tool-result" ? event.output : { error: event.error };
        const item: OutputItem = {
          type: "function_call_output",
          id: newId("fco"),
          call_id: event.toolCallId,
          output: JSON.stringify(output ?? null),
        };
        return this.#numbered(this.#addedAndDone(item));
      }
      case "tool-progress":
        return this.#numbered([
          {
            type: "behalf.tool_progress",
            call_id: event.toolCallId,
            name: event.toolName,
            status: event.status,
            ...(event.data === undefined ? {} : { data: event.data }),
          },
        ]);
      case "finish":
        this.#model = event.modelId;
        this.#usage = event.usage;
        this.#stop = event.stop;
        return this.#numbered([
          { type: "response.completed", response: this.response() },
        ]);
      case "error":
        this.#error = event.error;
        return this.#numbered([
          {
            type: "error",
            code: event.error.code,
            message: event.error.message,
          },
          { type: "response.failed", response: this.response() },
        ]);
    }
  }

  /**
   * The events that open a stream, before any output: `response.created` and
   * `response.in_progress`, which Responses clients such as the openai SDK expect first.
   */
  opening(): StreamEvent[] {
    const response = { ...this.response(), status: "in_progress" };
    return this.#numbered([
      { type: "response.created", response },
      { type: "response.in_progress", response },
    ]);
  }

  /** The answer text: every message item's text, in order. */
  text(): string {
    return this.#output
      .filter((item) => item.type === "message")
      .map((item) => item.content.map((content) => content.text).join(""))
      .join("\n\n");
  }

  response(): Record<string, unknown> {
    const { conversationId, traceId } = this.#options;
    return {
      id: this.id,
      object: "response",
      created_at: this.createdAt,
      status: this.#error === undefined ? "completed" : "failed",
      model: this.#model ?? this.#options.defaultModel,
      output: this.#output,
      metadata: {
        conversation_id: conversationId,
        ...(traceId === undefined ? {} : { trace_id: traceId }),
      },
      custom_outputs: {
        conversation_id: conversationId,
        ...(this.#stop === undefined ? {} : { stop_reason: this.#stop.reason }),
      },
      ...(this.#usage === undefined
        ? {}
        : {
            usage: {
              input_tokens: this.#usage.inputTokens ?? 0,
              output_tokens: this.#usage.outputTokens ?? 0,
              total_tokens: this.#usage.totalTokens ?? 0,
            },
          }),
      ...(this.#error === undefined
        ? {}
        : { error: { code: this.#error.code, message: this.#error.message } }),
    };
  }

  /** Emits a finished item as `output_item.added` then `output_item.done`, as Responses streams do. */
  #addedAndDone(item: OutputItem): StreamEvent[] {
    const outputIndex = this.#append(item);
    return [
      { type: "response.output_item.added", output_index: outputIndex, item },
      { type: "response.output_item.done", output_index: outputIndex, item },
    ];
  }

  /** Adds the stream's running `sequence_number` to each event. */
  #numbered(events: StreamEvent[]): StreamEvent[] {
    return events.map((event) => ({
      ...event,
      sequence_number: this.#sequence++,
    }));
  }

  #append(item: OutputItem): number {
    this.#output.push(item);
    return this.#output.length - 1;
  }
}
