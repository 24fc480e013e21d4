/**
 * The Genie Conversation API routes, mounted on an app whose earlier middleware has
 * verified the bearer token and set `principal`.
 */
import type { Context, Hono } from "hono";
import type { LocalWorkspaceEnv } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import { GenieRequestError, type GenieService } from "./genie-service.js";

const conversationPath =
  "/api/2.0/genie/spaces/:spaceId/conversations/:conversationId";
const messagePath = `${conversationPath}/messages/:messageId`;

/** Adds the start-conversation, create-message, get-message and query-result routes. */
export function mountGenieHandlers(
  app: Hono<LocalWorkspaceEnv>,
  service: GenieService,
): void {
  app.post("/api/2.0/genie/spaces/:spaceId/start-conversation", (context) =>
    respond(context, async () => {
      const content = await readContent(context);
      return service.startConversation(
        context.req.param("spaceId"),
        context.get("principal"),
        content,
      );
    }),
  );

  app.post(`${conversationPath}/messages`, (context) =>
    respond(context, async () => {
      const content = await readContent(context);
      return service.createMessage(
        context.req.param("spaceId"),
        context.req.param("conversationId"),
        context.get("principal"),
        content,
      );
    }),
  );

  app.get(messagePath, (context) =>
    respond(context, async () =>
      service.getMessage(
        context.req.param("spaceId"),
        context.req.param("conversationId"),
        context.req.param("messageId"),
        context.get("principal"),
      ),
    ),
  );

  app.get(`${messagePath}/attachments/:attachmentId/query-result`, (context) =>
    respond(context, async () =>
      service.getQueryResult(
        context.req.param("spaceId"),
        context.req.param("conversationId"),
        context.req.param("messageId"),
        context.req.param("attachmentId"),
        context.get("principal"),
      ),
    ),
  );
}

async function respond(
  context: Context<LocalWorkspaceEnv>,
  produce: () => Promise<object>,
): Promise<Response> {
  try {
    return context.json(await produce());
  } catch (error) {
    if (error instanceof GenieRequestError) {
      return sendDatabricksError(
        context,
        error.status,
        error.errorCode,
        error.message,
      );
    }
    throw error;
  }
}

/** Returns the body's `content` field; the service validates its value. */
async function readContent(
  context: Context<LocalWorkspaceEnv>,
): Promise<unknown> {
  let body: unknown;
  try {
    body = await context.req.json();
  } catch {
    throw new GenieRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      "The request body must be a JSON object with a 'content' field.",
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GenieRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      "The request body must be a JSON object with a 'content' field.",
    );
  }
  return (body as { content?: unknown }).content;
}
