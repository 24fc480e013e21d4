import { EventSourceParserStream } from "eventsource-parser/stream";
import { UpstreamUnavailableError } from "../errors/errors.js";

/** One tool call of an agent turn, as the CLI reports it. */
export interface AgentStep {
  callId: string;
  tool: string;
  arguments: unknown;
  /** Genie statuses in the order they were seen. */
  statuses: string[];
  status?: string;
  sql?: string;
  description?: string;
  text?: string;
  columns?: { name: string; type: string }[];
  rows?: unknown[][];
  rowCount?: number;
  truncated?: boolean;
  error?: { code: string; message: string };
}

export interface AgentAnswer {
  answer: string;
  steps: AgentStep[];
  model?: string;
  requestId?: string;
  /** The conversation the turn belongs to; send it again to ask a follow-up. */
  conversationId?: string;
  /** The turn limit at which behalf stopped the turn early, when it did. */
  stopReason?: string;
  error?: { code: string; message: string };
}

export interface AskAgentOptions {
  url: string;
  token: string;
  question: string;
  /** Continues this conversation; without it the server starts a new one. */
  conversationId?: string;
  signal?: AbortSignal;
  /** Called for every stream event, for live output. */
  onEvent?: (event: Record<string, unknown>, answer: AgentAnswer) => void;
}

/**
 * Asks a behalf server one question over the streaming Responses API, with tool progress
 * events, and collects the answer and the tool steps.
 */
export async function askAgent(options: AskAgentOptions): Promise<AgentAnswer> {
  const response = await fetch(new URL("/responses", options.url), {
    method: "POST",
    headers: {
      Authorization: `Bearer ${options.token}`,
      "Content-Type": "application/json",
      Accept: "text/event-stream",
      "x-behalf-progress": "true",
    },
    body: JSON.stringify({
      input: [{ role: "user", content: options.question }],
      stream: true,
      ...(options.conversationId === undefined
        ? {}
        : { context: { conversation_id: options.conversationId } }),
    }),
    signal: options.signal,
  }).catch((error: unknown) => {
    throw unreachableServerError(options, error);
  });

  const result: AgentAnswer = { answer: "", steps: [] };
  const requestId = response.headers.get("x-request-id");
  if (requestId !== null) {
    result.requestId = requestId;
  }
  const conversationId = response.headers.get("x-behalf-conversation-id");
  if (conversationId !== null) {
    result.conversationId = conversationId;
  }

  if (!response.ok || response.body === null) {
    const body = await response.text();
    let error: { code: string; message: string };
    try {
      const parsed = JSON.parse(body) as {
        error_code?: string;
        message?: string;
      };
      error = {
        code: parsed.error_code ?? `HTTP_${response.status}`,
        message: parsed.message ?? body,
      };
    } catch {
      error = { code: `HTTP_${response.status}`, message: body.slice(0, 500) };
    }
    result.error = error;
    return result;
  }

  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const message of events) {
    if (message.data === "[DONE]") {
      break;
    }
    const event = JSON.parse(message.data) as Record<string, unknown>;
    applyEvent(result, event);
    options.onEvent?.(event, result);
  }
  return result;
}

/**
 * Returns the error for a request that reached no agent server, with the fix. fetch reports
 * only "fetch failed", so the reason comes from its cause (ECONNREFUSED, a DNS failure).
 */
function unreachableServerError(
  options: AskAgentOptions,
  error: unknown,
): unknown {
  if (options.signal?.aborted) {
    return error;
  }
  const cause = (error as Error).cause;
  const reason = cause instanceof Error ? cause.message : String(error);
  return new UpstreamUnavailableError(
    `Cannot reach the agent server at ${options.url} (${reason}). ` +
      "Start it with `npm start`, or pass --url with its URL.",
    { cause: error },
  );
}

function applyEvent(result: AgentAnswer, event: Record<string, unknown>): void {
  switch (event.type) {
    case "response.output_text.delta":
      result.answer += String(event.delta ?? "");
      break;
    case "response.output_item.done":
      applyItem(result, event.item as Record<string, unknown>);
      break;
    case "behalf.tool_progress": {
      const step = result.steps.find(
        (candidate) => candidate.callId === event.call_id,
      );
      if (step === undefined) {
        break;
      }
      if (event.status === "QUERY_RESULT") {
        const data = event.data as { sql?: string } | undefined;
        if (data?.sql) {
          step.sql = data.sql;
        }
      } else {
        step.statuses.push(String(event.status));
      }
      break;
    }
    case "response.completed": {
      const response = event.response as
        | { model?: string; custom_outputs?: { stop_reason?: string } }
        | undefined;
      result.model = String(response?.model ?? "");
      if (response?.custom_outputs?.stop_reason !== undefined) {
        result.stopReason = response.custom_outputs.stop_reason;
      }
      break;
    }
    case "error":
      result.error = {
        code: String(event.code),
        message: String(event.message),
      };
      break;
    default:
      break;
  }
}

function applyItem(result: AgentAnswer, item: Record<string, unknown>): void {
  if (item.type === "message" && result.answer === "") {
    // A server that sends no deltas still sends the finished message.
    const content = item.content as { text?: string }[] | undefined;
    result.answer = (content ?? []).map((part) => part.text ?? "").join("");
    return;
  }
  if (item.type === "function_call") {
    let parsedArguments: unknown = item.arguments;
    try {
      parsedArguments = JSON.parse(String(item.arguments));
    } catch {
      // Keep the raw text when the model sent arguments that are not JSON.
    }
    result.steps.push({
      callId: String(item.call_id),
      tool: String(item.name),
      arguments: parsedArguments,
      statuses: [],
    });
    return;
  }
  if (item.type === "function_call_output") {
    const step = result.steps.find(
      (candidate) => candidate.callId === item.call_id,
    );
    if (step === undefined) {
      return;
    }
    let output: Record<string, unknown>;
    try {
      output = JSON.parse(String(item.output)) as Record<string, unknown>;
    } catch {
      step.text = String(item.output);
      return;
    }
    if (typeof output.error === "object" && output.error !== null) {
      step.error = output.error as { code: string; message: string };
      return;
    }
    Object.assign(step, {
      status: output.status,
      sql: output.sql ?? step.sql,
      description: output.description,
      text: output.text,
      columns: output.columns,
      rows: output.rows,
      rowCount: output.rowCount,
      truncated: output.truncated,
    });
  }
}
