import type { Context } from "hono";
import { readJsonBody } from "./json-body.js";

/** A route handler that receives the parsed JSON body (undefined when the body is not JSON). */
export type BodyHandler = (
  context: Context,
  body: unknown,
) => Promise<Response>;

/**
 * Returns whether a `POST /invocations` body is an MLflow ChatAgent request. A body with
 * `input` is a ResponsesAgent request, and a body with `messages` and no `input` is a
 * ChatAgent request. Anything else goes to the ResponsesAgent handler, whose error
 * names the missing `input`.
 */
export function isChatAgentBody(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    !("input" in body) &&
    "messages" in body
  );
}

/** Handles `POST /invocations` by the rule of `isChatAgentBody`. */
export function createInvocationsHandler(handlers: {
  responses: BodyHandler;
  chatAgent: BodyHandler;
}) {
  return async (context: Context): Promise<Response> => {
    const body = await readJsonBody(context);
    return isChatAgentBody(body)
      ? handlers.chatAgent(context, body)
      : handlers.responses(context, body);
  };
}

/** Adapts a body handler to a plain Hono handler. */
export function withJsonBody(handler: BodyHandler) {
  return async (context: Context): Promise<Response> =>
    handler(context, await readJsonBody(context));
}
