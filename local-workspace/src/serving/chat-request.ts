/**
 * The OpenAI Chat Completions request body that Databricks serving endpoints accept.
 * Unknown fields pass validation untouched, because the proxy forwards the body as
 * sent and clients add provider-specific options.
 */
import { z } from "zod";

const contentPartSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
});

const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const messageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPartSchema)]).nullish(),
  name: z.string().optional(),
  tool_calls: z.array(toolCallSchema).nullish(),
  tool_call_id: z.string().optional(),
});

const toolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({
    type: z.literal("function"),
    function: z.looseObject({ name: z.string() }),
  }),
]);

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z.array(messageSchema).min(1),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  stream: z.boolean().nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean().optional() })
    .nullish(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  n: z.number().int().min(1).max(5).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = ChatCompletionRequest["messages"][number];
export type ChatTool = NonNullable<ChatCompletionRequest["tools"]>[number];

/**
 * Returns a message naming the first invalid field, such as
 * "Invalid field 'messages[0].role': ...", for an INVALID_PARAMETER_VALUE error.
 */
export function describeValidationError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) {
    return "Invalid request body.";
  }
  const field = issue.path
    .map((part, index) =>
      typeof part === "number"
        ? `[${part}]`
        : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
  return field === ""
    ? `Invalid request body: ${issue.message}`
    : `Invalid field '${field}': ${issue.message}`;
}

/** Joins the text of a message's content, whether a string or a list of parts. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === "string") {
    return content;
  }
  if (!content) {
    return "";
  }
  return content
    .map((part) => part.text ?? "")
    .filter((text) => text !== "")
    .join("\n");
}
