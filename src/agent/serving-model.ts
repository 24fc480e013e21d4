import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";
import type { AppCredentials } from "../databricks/app-credentials.js";
import { BehalfError } from "../errors/errors.js";

export interface ServingModelOptions {
  host: string;
  /** Serving endpoint name, sent as `model`. */
  endpoint: string;
  appCredentials: AppCredentials;
  fetch?: typeof fetch;
}

/**
 * The chat model behind a Databricks serving endpoint, called as the app. Databricks
 * serves an OpenAI-compatible API at `{host}/serving-endpoints` with the endpoint name as
 * `model`. Every request gets the app's current token here, and only here, so a user
 * token can never reach the model endpoint.
 */
export function createServingModel(
  options: ServingModelOptions,
): LanguageModel {
  const baseFetch = options.fetch ?? fetch;

  const appFetch = async (
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> => {
    const url = new URL(
      input instanceof Request ? input.url : input.toString(),
    );
    if (url.origin !== options.host) {
      throw new BehalfError(
        "INTERNAL_ERROR",
        `Refusing to send the app credential to ${url.origin}.`,
      );
    }
    const headers = new Headers(init?.headers);
    headers.set("Authorization", await options.appCredentials.authorization());
    return baseFetch(url, { ...init, headers });
  };

  const provider = createOpenAICompatible({
    name: "databricks",
    baseURL: `${options.host}/serving-endpoints`,
    includeUsage: true,
    fetch: appFetch,
    transformRequestBody: toServingRequestBody,
  });
  return provider.chatModel(options.endpoint);
}

interface ChatTool {
  type?: string;
  function?: {
    name?: string;
    description?: string;
    parameters?: unknown;
    strict?: boolean;
  };
}

interface ChatMessage {
  role?: string;
  content?: unknown;
  tool_calls?: unknown[];
}

/**
 * Text sent in an assistant message that has tool calls and no text. Some Claude
 * endpoints on Databricks reject empty text in such a message, and the Databricks OpenAI
 * client (databricks-openai 0.17, `databricks_openai/utils/clients.py`) replaces empty or
 * null content with one space. behalf does the same.
 */
export const toolCallOnlyContent = " ";

/**
 * Adapts a chat request to what Databricks endpoints accept. Tool definitions lose
 * `strict`, which some endpoints reject, and always carry `parameters` (an empty object
 * schema when the tool takes none). Assistant messages with tool calls never carry empty
 * text.
 */
export function toServingRequestBody(
  body: Record<string, unknown>,
): Record<string, unknown> {
  const adapted = { ...body };
  if (Array.isArray(body.tools)) {
    adapted.tools = (body.tools as ChatTool[]).map(toServingTool);
  }
  if (Array.isArray(body.messages)) {
    adapted.messages = (body.messages as ChatMessage[]).map(toServingMessage);
  }
  return adapted;
}

function toServingTool(chatTool: ChatTool): ChatTool {
  if (chatTool.function === undefined) {
    return chatTool;
  }
  const { strict: _strict, ...definition } = chatTool.function;
  return {
    ...chatTool,
    function: {
      ...definition,
      parameters: definition.parameters ?? {
        type: "object",
        properties: {},
      },
    },
  };
}

function toServingMessage(message: ChatMessage): ChatMessage {
  const hasToolCalls =
    Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
  if (message.role !== "assistant" || !hasToolCalls) {
    return message;
  }

  const content = message.content;
  if (typeof content === "string" && content.trim() !== "") {
    return message;
  }
  if (Array.isArray(content)) {
    const parts = content.filter((part) => !isBlankTextPart(part));
    if (parts.length > 0) {
      return { ...message, content: parts };
    }
  }
  return { ...message, content: toolCallOnlyContent };
}

function isBlankTextPart(part: unknown): boolean {
  if (typeof part !== "object" || part === null) {
    return false;
  }
  const { type, text } = part as { type?: unknown; text?: unknown };
  return type === "text" && (typeof text !== "string" || text.trim() === "");
}
