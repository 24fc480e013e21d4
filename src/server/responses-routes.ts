import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type AgentDependencies, runAgent } from "../agent/run-agent.js";
import { requireRequestScope } from "../identity/request-context.js";
import { moduleLogger } from "../logging/logger.js";
import { ResponsesOutput } from "./responses-output.js";
import { parseResponsesRequest, toModelMessages } from "./responses-request.js";

const logger = moduleLogger("responses");

/** Interval of SSE comment lines that keep idle proxies from closing a quiet stream. */
const keepaliveMilliseconds = 15_000;

async function readJson(context: Context): Promise<unknown> {
  try {
    return await context.req.json();
  } catch {
    return undefined;
  }
}

/**
 * Handles `POST /invocations` and `POST /responses` (MLflow ResponsesAgent): JSON by
 * default, server-sent events when the body has `"stream": true`. Tool progress events
 * (`behalf.tool_progress`) are added only when the client sends `x-behalf-progress: true`,
 * so strict Responses clients see only standard events.
 */
export function createResponsesHandler(agent: AgentDependencies) {
  return async (context: Context): Promise<Response> => {
    const request = parseResponsesRequest(await readJson(context));
    const scope = requireRequestScope("The Responses route");
    const messages = toModelMessages(request.input);
    const output = new ResponsesOutput(agent.settings.endpoint);
    const events = runAgent(agent, { messages, signal: scope.signal });
    logger.info(
      { stream: request.stream === true, messages: messages.length },
      "agent turn started",
    );

    if (request.stream !== true) {
      for await (const event of events) {
        output.accept(event);
      }
      const failure = output.error;
      if (failure !== undefined) {
        logger.warn({ code: failure.code }, "agent turn failed");
        return context.json(
          failure.toJSON(),
          failure.status as ContentfulStatusCode,
        );
      }
      logger.info("agent turn finished");
      return context.json(output.response());
    }

    const withProgress = context.req.header("x-behalf-progress") === "true";
    return streamSSE(context, async (stream) => {
      const keepalive = setInterval(() => {
        void stream.write(": keepalive\n\n");
      }, keepaliveMilliseconds);
      try {
        for await (const event of events) {
          if (event.type === "tool-progress" && !withProgress) {
            continue;
          }
          for (const streamEvent of output.accept(event)) {
            await stream.writeSSE({ data: JSON.stringify(streamEvent) });
          }
        }
        await stream.writeSSE({ data: "[DONE]" });
        logger.info(
          { failed: output.error !== undefined },
          "agent turn streamed",
        );
      } finally {
        clearInterval(keepalive);
      }
    });
  };
}
