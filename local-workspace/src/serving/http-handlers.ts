/**
 * Serving-endpoint query routes, mounted on an app whose earlier middleware has
 * verified the bearer token and its serving scope and set `principal`.
 */
import type { Context, Hono } from "hono";
import type {
  LocalWorkspaceEnv,
  Principal,
  RouteDependencies,
  ServingEndpointDefinition,
} from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
  describeValidationError,
} from "./chat-request.js";
import {
  completionBody,
  completionChunks,
  newCompletionContext,
  serverSentEvents,
} from "./chat-response.js";
import {
  forwardChatCompletion,
  ModelServerUnreachableError,
} from "./model-proxy.js";
import { offlineRouterModel, planReply } from "./offline-router.js";

const queryingLevels = new Set(["CAN_QUERY", "CAN_MANAGE"]);

/** Adds the OpenAI-compatible and the native chat routes. */
export function mountServingHandlers(
  app: Hono<LocalWorkspaceEnv>,
  dependencies: Pick<RouteDependencies, "definition" | "options">,
): void {
  app.post("/serving-endpoints/chat/completions", (context) =>
    handleChatCompletion(context, dependencies, undefined),
  );
  app.post("/serving-endpoints/:name/invocations", (context) =>
    handleChatCompletion(context, dependencies, context.req.param("name")),
  );
}

async function handleChatCompletion(
  context: Context<LocalWorkspaceEnv>,
  { definition, options }: Pick<RouteDependencies, "definition" | "options">,
  endpointNameFromPath: string | undefined,
): Promise<Response> {
  const principal = context.get("principal");

  let body: unknown;
  try {
    body = await context.req.json();
  } catch {
    return invalidParameter(context, "The request body must be a JSON object.");
  }
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) {
    return invalidParameter(context, describeValidationError(parsed.error));
  }
  const request = parsed.data;

  const endpointName = endpointNameFromPath ?? request.model;
  if (!endpointName) {
    return invalidParameter(
      context,
      "Invalid field 'model': set it to the serving endpoint name.",
    );
  }
  const endpoint = definition.servingEndpoints.find(
    (candidate) => candidate.name === endpointName,
  );
  if (!endpoint) {
    return sendDatabricksError(
      context,
      404,
      "RESOURCE_DOES_NOT_EXIST",
      `Serving endpoint ${endpointName} does not exist.`,
    );
  }
  if (!canQuery(endpoint, principal)) {
    return sendDatabricksError(
      context,
      403,
      "PERMISSION_DENIED",
      `${principal.userName} does not have CAN_QUERY permission on serving endpoint ${endpointName}.`,
    );
  }

  if (options.modelUrl) {
    try {
      return await forwardChatCompletion(
        request,
        {
          modelUrl: options.modelUrl,
          modelApiKey: options.modelApiKey,
          modelName: options.modelName ?? endpointName,
        },
        context.req.raw.signal,
      );
    } catch (error) {
      if (error instanceof ModelServerUnreachableError) {
        return sendDatabricksError(
          context,
          503,
          "TEMPORARILY_UNAVAILABLE",
          error.message,
        );
      }
      throw error;
    }
  }
  return answerOffline(context, request);
}

function answerOffline(
  context: Context<LocalWorkspaceEnv>,
  request: ChatCompletionRequest,
): Response {
  const toolChoice = request.tool_choice;
  if (
    typeof toolChoice === "object" &&
    !request.tools?.some(
      (tool) => tool.function.name === toolChoice.function.name,
    )
  ) {
    return invalidParameter(
      context,
      `Invalid field 'tool_choice.function.name': no tool named ${toolChoice.function.name} is in 'tools'.`,
    );
  }

  const decision = planReply(request);
  const completion = newCompletionContext(request);
  const headers = { "served-model-name": offlineRouterModel };
  if (!request.stream) {
    return context.json(completionBody(decision, completion), 200, headers);
  }
  const includeUsage = request.stream_options?.include_usage === true;
  const chunks = completionChunks(decision, completion, includeUsage);
  return new Response(serverSentEvents(chunks), {
    headers: {
      ...headers,
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
    },
  });
}

/** CAN_QUERY or CAN_MANAGE, granted to the principal or to one of its groups. */
function canQuery(
  endpoint: ServingEndpointDefinition,
  principal: Principal,
): boolean {
  return endpoint.permissions.some(
    (permission) =>
      queryingLevels.has(permission.level) &&
      (permission.principal === principal.userName ||
        principal.groups.includes(permission.principal)),
  );
}

function invalidParameter(
  context: Context<LocalWorkspaceEnv>,
  message: string,
): Response {
  return sendDatabricksError(context, 400, "INVALID_PARAMETER_VALUE", message);
}
