/**
 * `/local/api/faults`, the test tool that adds, lists and clears injected faults.
 * It needs no token, so it accepts requests from loopback addresses only.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import type { LocalWorkspaceEnv } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import type { Logger } from "../logger.js";
import { InvalidFaultError } from "./fault-definitions.js";
import type { FaultInjector } from "./fault-injector.js";

export const faultRoutesPath = "/local/api/faults";

export function createFaultRoutes(
  faults: FaultInjector,
  logger: Logger,
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();

  app.use(faultRoutesPath, async (context, next) => {
    const address = remoteAddress(context);
    if (address === undefined || !isLoopbackAddress(address)) {
      logger.warn(
        { address },
        "fault request from a non-loopback address rejected",
      );
      return sendDatabricksError(
        context,
        403,
        "PERMISSION_DENIED",
        `${faultRoutesPath} accepts requests from loopback addresses only, got ${address ?? "an unknown address"}.`,
      );
    }
    await next();
  });

  app.post(faultRoutesPath, async (context) => {
    let body: unknown;
    try {
      body = await context.req.json();
    } catch {
      return sendDatabricksError(
        context,
        400,
        "MALFORMED_REQUEST",
        'The body must be JSON: one fault such as {"type": "message", "outcome": "FAILED"}, or an array of faults.',
      );
    }
    try {
      const added = faults.add(Array.isArray(body) ? body : [body]);
      logger.info({ faults: added }, "faults added");
      return context.json({ faults: added });
    } catch (error) {
      if (error instanceof InvalidFaultError) {
        return sendDatabricksError(
          context,
          400,
          "INVALID_PARAMETER_VALUE",
          error.message,
        );
      }
      throw error;
    }
  });

  app.get(faultRoutesPath, (context) =>
    context.json({ faults: faults.list() }),
  );

  app.delete(faultRoutesPath, (context) => {
    const cleared = faults.clear();
    logger.info({ cleared }, "faults cleared");
    return context.json({ cleared });
  });

  return app;
}

function remoteAddress(
  context: Context<LocalWorkspaceEnv>,
): string | undefined {
  try {
    return getConnInfo(context).remote.address;
  } catch {
    // Requests that did not come through the Node server, such as app.request()
    // in a unit test, carry no socket.
    return undefined;
  }
}

/** Returns whether `address` is 127.0.0.0/8 or ::1, also in IPv4-mapped IPv6 form. */
export function isLoopbackAddress(address: string): boolean {
  const unmapped = address.replace(/^::ffff:/i, "");
  return (
    unmapped === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(unmapped)
  );
}
