import type { ModelMessage, ToolResultPart } from "ai";
import { z } from "zod";
import { formatIssues } from "../config/format-issues.js";
import { InvalidRequestError } from "../errors/errors.js";

const contentPart = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
});

const messageItem = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(contentPart)]),
});

const functionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.unknown(),
});

const inputItem = z.union([
  functionCallItem,
  functionCallOutputItem,
  messageItem,
]);

/** MLflow ResponsesAgent request; fields behalf does not use are accepted and ignored. */
export const responsesRequestSchema = z.looseObject({
  input: z.union([z.string().min(1), z.array(inputItem).min(1)]),
  stream: z.boolean().optional(),
  context: z
    .looseObject({
      conversation_id: z.string().nullish(),
      user_id: z.string().nullish(),
    })
    .nullish(),
  custom_inputs: z.record(z.string(), z.unknown()).optional(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
type InputItem = z.infer<typeof inputItem>;

/** Validates a ResponsesAgent request body, naming every invalid field. */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  const result = responsesRequestSchema.safeParse(body);
  if (!result.success) {
    const problems = formatIssues("request body", result.error.issues);
    throw new InvalidRequestError(
      `Invalid ResponsesAgent request. ${problems.join("; ")}. ` +
        'Send {"input": [{"role": "user", "content": "..."}]}.',
      { details: { problems } },
    );
  }
  return result.data;
}

/**
 * Converts ResponsesAgent input items to AI SDK messages: text messages keep their
 * role, `function_call` items become assistant tool calls and `function_call_output`
 * items become tool results of the call with the same `call_id`.
 */
export function toModelMessages(
  input: ResponsesRequest["input"],
): ModelMessage[] {
  if (typeof input === "string") {
    return [{ role: "user", content: input }];
  }

  const messages: ModelMessage[] = [];
  const toolNames = new Map<string, string>();

  for (const [index, item] of input.entries()) {
    if (item.type === "function_call") {
      toolNames.set(item.call_id, item.name);
      const call = {
        type: "tool-call" as const,
        toolCallId: item.call_id,
        toolName: item.name,
        input: parseArguments(item.arguments, index),
      };
      const previous = messages.at(-1);
      // Consecutive calls belong to one assistant turn, as the model produced them.
      if (previous?.role === "assistant" && Array.isArray(previous.content)) {
        previous.content.push(call);
      } else {
        messages.push({ role: "assistant", content: [call] });
      }
      continue;
    }

    if (item.type === "function_call_output") {
      const toolName = toolNames.get(item.call_id);
      if (toolName === undefined) {
        throw new InvalidRequestError(
          `input[${index}]: function_call_output for call_id ${JSON.stringify(item.call_id)} has no earlier function_call. ` +
            "Send the function_call item before its output.",
        );
      }
      const part: ToolResultPart = {
        type: "tool-result",
        toolCallId: item.call_id,
        toolName,
        output:
          typeof item.output === "string"
            ? { type: "text", value: item.output }
            : { type: "json", value: (item.output ?? null) as never },
      };
      const previous = messages.at(-1);
      if (previous?.role === "tool") {
        previous.content.push(part);
      } else {
        messages.push({ role: "tool", content: [part] });
      }
      continue;
    }

    messages.push(toTextMessage(item));
  }
  return messages;
}

function toTextMessage(
  item: Extract<InputItem, { role: string }>,
): ModelMessage {
  const text =
    typeof item.content === "string"
      ? item.content
      : item.content
          .map((part) => part.text ?? "")
          .filter((part) => part.length > 0)
          .join("\n");
  if (item.role === "system" || item.role === "developer") {
    return { role: "system", content: text };
  }
  if (item.role === "assistant") {
    return { role: "assistant", content: text };
  }
  return { role: "user", content: text };
}

function parseArguments(text: string, index: number): unknown {
  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new InvalidRequestError(
      `input[${index}].arguments is not valid JSON: ${JSON.stringify(text.slice(0, 80))}. Send the arguments as a JSON string.`,
    );
  }
}
