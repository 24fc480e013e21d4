import type { MiddlewareHandler } from "hono";

const loopbackHostnames = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Rejects requests whose `Host` is not a loopback name or the server's own hostname.
 * The local servers hand out tokens without a password, so a web page that rebinds its
 * own domain name to 127.0.0.1 must not be able to reach them from a browser.
 */
export function requireLoopbackHost(ownHostname: string): MiddlewareHandler {
  return async (context, next) => {
    const host = context.req.header("host") ?? "";
    const hostname = host.replace(/:\d+$/, "").toLowerCase();
    if (
      !loopbackHostnames.has(hostname) &&
      hostname !== ownHostname.toLowerCase()
    ) {
      return context.json(
        {
          error_code: "PERMISSION_DENIED",
          message: `Host ${JSON.stringify(host)} is not this local server's address. Use http://127.0.0.1 or http://localhost.`,
        },
        403,
      );
    }
    return next();
  };
}

/**
 * Requires a JSON body on the local-only administration routes. Browsers send
 * cross-site form posts as `text/plain` or form encoding without asking first, but must
 * ask before sending `application/json`, which these servers never allow.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async (context, next) => {
    const contentType = context.req.header("content-type") ?? "";
    if (
      context.req.method === "POST" &&
      !/^application\/json\b/i.test(contentType)
    ) {
      return context.json(
        {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `This route takes a JSON body; send Content-Type: application/json (got ${JSON.stringify(contentType)}).`,
        },
        415,
      );
    }
    return next();
  };
}
