/**
 * The Genie Conversation API routes, mounted on an app whose earlier middleware has
 * verified the bearer token and set `principal`.
 */
import type { Context, Hono } from "hono";
import type { LocalWorkspaceEnv } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import { GenieRequestError, type GenieService } from "./genie-service.js";

const spacePath = "/api/2.0/genie/spaces/:spaceId";
const conversationPath = `${spacePath}/conversations/:conversationId`;
const messagePath = `${conversationPath}/messages/:messageId`;
const attachmentPath = `${messagePath}/attachments/:attachmentId`;

type GenieContext = Context<LocalWorkspaceEnv>;

/** Adds every Genie route: spaces, conversations, messages, feedback and query results. */
export function mountGenieHandlers(
  app: Hono<LocalWorkspaceEnv>,
  service: GenieService,
): void {
  app.get("/api/2.0/genie/spaces", (context) =>
    respond(context, async () =>
      service.listSpaces(context.get("principal"), pageOf(context)),
    ),
  );

  app.get(spacePath, (context) =>
    respond(context, async () =>
      service.getSpace(context.req.param("spaceId"), context.get("principal")),
    ),
  );

  app.post(`${spacePath}/start-conversation`, (context) =>
    respond(context, async () => {
      const body = await readBody(context, "content");
      return service.startConversation(
        context.req.param("spaceId"),
        context.get("principal"),
        body.content,
      );
    }),
  );

  app.get(`${spacePath}/conversations`, (context) =>
    respond(context, async () =>
      service.listConversations(
        context.req.param("spaceId"),
        context.get("principal"),
        {
          ...pageOf(context),
          includeAll: context.req.query("include_all") === "true",
        },
      ),
    ),
  );

  app.delete(conversationPath, (context) =>
    respond(context, async () =>
      service.deleteConversation(
        context.req.param("spaceId"),
        context.req.param("conversationId"),
        context.get("principal"),
      ),
    ),
  );

  app.post(`${conversationPath}/messages`, (context) =>
    respond(context, async () => {
      const body = await readBody(context, "content");
      return service.createMessage(
        context.req.param("spaceId"),
        context.req.param("conversationId"),
        context.get("principal"),
        body.content,
      );
    }),
  );

  app.get(`${conversationPath}/messages`, (context) =>
    respond(context, async () =>
      service.listMessages(
        context.req.param("spaceId"),
        context.req.param("conversationId"),
        context.get("principal"),
        pageOf(context),
      ),
    ),
  );

  app.get(messagePath, (context) =>
    respond(context, async () =>
      service.getMessage(...messageIds(context), context.get("principal")),
    ),
  );

  app.delete(messagePath, (context) =>
    respond(context, async () =>
      service.deleteMessage(...messageIds(context), context.get("principal")),
    ),
  );

  app.post(`${messagePath}/feedback`, (context) =>
    respond(context, async () => {
      const body = await readBody(context, "rating");
      return service.sendFeedback(
        ...messageIds(context),
        context.get("principal"),
        body,
      );
    }),
  );

  app.get(`${attachmentPath}/query-result`, (context) =>
    respond(context, async () =>
      service.getQueryResult(
        ...messageIds(context),
        context.req.param("attachmentId"),
        context.get("principal"),
      ),
    ),
  );

  app.post(`${attachmentPath}/execute-query`, (context) =>
    respond(context, () =>
      service.executeQuery(
        ...messageIds(context),
        context.req.param("attachmentId"),
        context.get("principal"),
      ),
    ),
  );
}

function messageIds(context: GenieContext): [string, string, string] {
  return [
    context.req.param("spaceId") ?? "",
    context.req.param("conversationId") ?? "",
    context.req.param("messageId") ?? "",
  ];
}

function pageOf(context: GenieContext) {
  return {
    pageSize: context.req.query("page_size"),
    pageToken: context.req.query("page_token"),
  };
}

async function respond(
  context: GenieContext,
  produce: () => Promise<object>,
): Promise<Response> {
  try {
    return context.json(await produce());
  } catch (error) {
    if (error instanceof GenieRequestError) {
      const headers: Record<string, string> =
        error.retryAfterSeconds === undefined
          ? {}
          : { "Retry-After": String(error.retryAfterSeconds) };
      return sendDatabricksError(
        context,
        error.status,
        error.errorCode,
        error.message,
        headers,
      );
    }
    throw error;
  }
}

/** Returns the JSON object body; the service validates its fields. */
async function readBody(
  context: GenieContext,
  requiredField: string,
): Promise<Record<string, unknown>> {
  const expected = `The request body must be a JSON object with a '${requiredField}' field.`;
  let body: unknown;
  try {
    body = await context.req.json();
  } catch {
    throw new GenieRequestError(400, "INVALID_PARAMETER_VALUE", expected);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GenieRequestError(400, "INVALID_PARAMETER_VALUE", expected);
  }
  return body as Record<string, unknown>;
}
