import type { ModelMessage, ToolCallPart, ToolResultPart } from "ai";
import { z } from "zod";
import { formatIssues } from "../config/format-issues.js";
import { InvalidRequestError } from "../errors/errors.js";

const contentPart = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
});

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function").optional(),
  function: z.looseObject({
    name: z.string().min(1),
    arguments: z.string(),
  }),
});

/**
 * A chat message as OpenAI Chat Completions and MLflow ChatAgent send it: the two use
 * the same roles, `tool_calls` and `tool_call_id`; ChatAgent adds `id` and `attachments`,
 * which behalf accepts and ignores.
 */
export const chatMessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart)]).nullish(),
  name: z.string().optional(),
  id: z.string().optional(),
  tool_calls: z.array(toolCall).nullish(),
  tool_call_id: z.string().optional(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** MLflow `ChatAgentRequest`; fields behalf does not use are accepted and ignored. */
export const chatAgentRequestSchema = z.looseObject({
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  context: z
    .looseObject({
      conversation_id: z.string().nullish(),
      user_id: z.string().nullish(),
    })
    .nullish(),
  custom_inputs: z.record(z.string(), z.unknown()).nullish(),
});

export type ChatAgentRequest = z.infer<typeof chatAgentRequestSchema>;

/** OpenAI Chat Completions request; `model` and sampling fields are accepted and ignored. */
export const openAIChatRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean().nullish() })
    .nullish(),
});

export type OpenAIChatRequest = z.infer<typeof openAIChatRequestSchema>;

/** Validates a ChatAgent request body, naming every invalid field. */
export function parseChatAgentRequest(body: unknown): ChatAgentRequest {
  return parseWith(
    chatAgentRequestSchema,
    body,
    "ChatAgent",
    '{"messages": [{"role": "user", "content": "..."}]}',
  );
}

/** Validates an OpenAI Chat Completions request body, naming every invalid field. */
export function parseOpenAIChatRequest(body: unknown): OpenAIChatRequest {
  return parseWith(
    openAIChatRequestSchema,
    body,
    "chat completions",
    '{"model": "behalf", "messages": [{"role": "user", "content": "..."}]}',
  );
}

function parseWith<T>(
  schema: z.ZodType<T>,
  body: unknown,
  protocol: string,
  example: string,
): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const problems = formatIssues("request body", result.error.issues);
    throw new InvalidRequestError(
      `Invalid ${protocol} request. ${problems.join("; ")}. Send ${example}.`,
      { details: { problems } },
    );
  }
  return result.data;
}

/**
 * Converts chat messages to AI SDK messages. An assistant message's `tool_calls` become
 * tool calls, and a `tool` message becomes the result of the earlier call with its
 * `tool_call_id`. Errors name the field as `messages[i]...`.
 */
export function chatMessagesToModelMessages(
  messages: readonly ChatMessage[],
): ModelMessage[] {
  const converted: ModelMessage[] = [];
  const toolNames = new Map<string, string>();

  for (const [index, message] of messages.entries()) {
    const text = textOf(message.content);
    switch (message.role) {
      case "system":
      case "developer":
        converted.push({ role: "system", content: text });
        break;
      case "user":
        converted.push({ role: "user", content: text });
        break;
      case "assistant": {
        const calls = (message.tool_calls ?? []).map(
          (call, callIndex): ToolCallPart => {
            toolNames.set(call.id, call.function.name);
            return {
              type: "tool-call",
              toolCallId: call.id,
              toolName: call.function.name,
              input: parseArguments(
                call.function.arguments,
                `messages[${index}].tool_calls[${callIndex}].function.arguments`,
              ),
            };
          },
        );
        if (calls.length === 0) {
          converted.push({ role: "assistant", content: text });
        } else {
          converted.push({
            role: "assistant",
            content: [
              ...(text === "" ? [] : [{ type: "text" as const, text }]),
              ...calls,
            ],
          });
        }
        break;
      }
      case "tool":
        appendToolResult(converted, toolResultOf(message, index, toolNames));
        break;
    }
  }
  return converted;
}

function toolResultOf(
  message: ChatMessage,
  index: number,
  toolNames: ReadonlyMap<string, string>,
): ToolResultPart {
  const callId = message.tool_call_id;
  if (callId === undefined || callId === "") {
    throw new InvalidRequestError(
      `messages[${index}]: tool_call_id is missing on a tool message. Set it to the id of the tool call whose result it is.`,
    );
  }
  const toolName = toolNames.get(callId);
  if (toolName === undefined) {
    throw new InvalidRequestError(
      `messages[${index}]: tool_call_id ${JSON.stringify(callId)} matches no tool call of an earlier assistant message. ` +
        "Send the assistant message with the tool call before its result.",
    );
  }
  return {
    type: "tool-result",
    toolCallId: callId,
    toolName,
    output: { type: "text", value: textOf(message.content) },
  };
}

function appendToolResult(messages: ModelMessage[], part: ToolResultPart) {
  const previous = messages.at(-1);
  if (previous?.role === "tool") {
    previous.content.push(part);
  } else {
    messages.push({ role: "tool", content: [part] });
  }
}

function textOf(content: ChatMessage["content"]): string {
  if (typeof content === "string") {
    return content;
  }
  return (content ?? [])
    .map((part) => part.text ?? "")
    .filter((text) => text.length > 0)
    .join("\n");
}

function parseArguments(text: string, field: string): unknown {
  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new InvalidRequestError(
      `${field} is not valid JSON: ${JSON.stringify(text.slice(0, 80))}. Send the arguments as a JSON string.`,
    );
  }
}
