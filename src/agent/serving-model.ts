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

/**
 * Adapts a chat request to what Databricks endpoints accept: tool definitions without
 * `strict` (some endpoints reject it) and always with `parameters`, an empty object
 * schema when the tool takes none.
 */
export function toServingRequestBody(
  body: Record<string, unknown>,
): Record<string, unknown> {
  const tools = body.tools as ChatTool[] | undefined;
  if (!Array.isArray(tools)) {
    return body;
  }
  return {
    ...body,
    tools: tools.map((chatTool) => {
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
    }),
  };
}
