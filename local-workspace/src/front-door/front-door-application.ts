import { randomUUID } from "node:crypto";
import type { HttpBindings } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie } from "hono/cookie";
import type { Logger } from "pino";
import { requireLoopbackHost } from "../http/loopback-guard.js";
import {
  type ForwardedIdentity,
  ForwardedIdentityResolver,
  type IdentityFailure,
  isIdentityFailure,
} from "./forwarded-identity.js";
import type { FrontDoorOptions } from "./front-door.js";
import { renderChatPage } from "./pages.js";
import { buildUpstreamHeaders, forwardRequest } from "./proxy.js";
import { SessionStore } from "./sessions.js";
import {
  type CookieNames,
  callbackPath,
  createSignInRoutes,
  signInPath,
} from "./sign-in-routes.js";
import { WorkspaceOAuthClient } from "./workspace-oauth-client.js";

/**
 * Seconds a forwarded token must stay valid beyond the request limit, because the agent
 * server treats tokens that expire within 60 s as expired.
 */
const tokenRenewalSlackSeconds = 60;

/** Largest request body the front door passes on, as the agent server's default. */
const maxRequestBytes = 1_048_576;

export type FrontDoorEnv = { Bindings: HttpBindings };

function wantsPage(context: Context): boolean {
  const method = context.req.method;
  const accept = context.req.header("Accept") ?? "";
  return (
    (method === "GET" || method === "HEAD") && accept.includes("text/html")
  );
}

/** Options of the front door with the values known once it listens. */
export interface ApplicationSettings extends FrontDoorOptions {
  url: string;
  appOrigin: string;
  capSeconds: number;
  logger: Logger;
  cookies: CookieNames;
}

/**
 * Builds the front door's routes: sign-in, the chat page, and the proxy to the app for
 * every other path, which first finds the caller by session or bearer token.
 */
export function buildFrontDoorApplication(
  settings: ApplicationSettings,
): Hono<FrontDoorEnv> {
  const { url, cookies, logger } = settings;
  const sessions = new SessionStore();
  const client = new WorkspaceOAuthClient({
    workspaceUrl: settings.workspace.url,
    clientId: settings.app.clientId,
    clientSecret: settings.app.clientSecret,
  });
  const resolver = new ForwardedIdentityResolver(
    client,
    settings.app.userApiScopes,
    (settings.capSeconds + tokenRenewalSlackSeconds) * 1000,
  );

  const app = new Hono<FrontDoorEnv>();
  app.use("*", requireLoopbackHost(new URL(url).hostname));
  // The same limit as the agent server's, answered here: an app that refuses a large
  // body closes the connection mid-upload, which a proxy could only report as 502.
  app.use(
    "*",
    bodyLimit({
      maxSize: maxRequestBytes,
      onError: (context) =>
        context.json(
          {
            error_code: "INVALID_PARAMETER_VALUE",
            message: `The request body is larger than ${maxRequestBytes} bytes. Send a shorter question or history.`,
          },
          413,
          // The rest of the body is never read, so the connection cannot carry another request.
          { Connection: "close" },
        ),
    }),
  );
  app.route(
    "/",
    createSignInRoutes({
      sessions,
      client,
      callbackUrl: `${url}${callbackPath}`,
      cookies,
      logger,
    }),
  );

  app.all("/.auth/*", (context) =>
    context.json(
      {
        error_code: "ENDPOINT_NOT_FOUND",
        message: `No front door route for ${context.req.method} ${context.req.path}; /.auth paths are the front door's own and never reach the app.`,
      },
      404,
    ),
  );

  const rejectUnauthenticated = (context: Context, reason: string) => {
    logger.info(
      { method: context.req.method, path: context.req.path, reason },
      "request rejected without a signed-in user",
    );
    if (wantsPage(context)) {
      const returnTo = new URL(context.req.url);
      return context.redirect(
        `${signInPath}?return_to=${encodeURIComponent(returnTo.pathname + returnTo.search)}`,
        302,
      );
    }
    return context.json(
      {
        error_code: "UNAUTHENTICATED",
        message: `${reason} Sign in at ${url}${signInPath} in a browser, or send Authorization: Bearer <token> with a token of the workspace.`,
      },
      401,
      { "WWW-Authenticate": 'Bearer realm="front-door"' },
    );
  };

  /** Finds the caller by session cookie, else by bearer token. Returns undefined for neither. */
  const identify = async (
    context: Context,
  ): Promise<ForwardedIdentity | IdentityFailure | undefined> => {
    const session = sessions.get(getCookie(context, cookies.session));
    if (session !== undefined) {
      const identity = await resolver.forSession(session);
      if (isIdentityFailure(identity) && identity.status === 401) {
        sessions.delete(session.id);
        deleteCookie(context, cookies.session, { path: "/" });
      }
      return identity;
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(
      context.req.header("Authorization") ?? "",
    )?.[1];
    return bearer === undefined ? undefined : resolver.forBearer(bearer);
  };

  app.all("*", async (context) => {
    const startedAt = performance.now();
    const identity = await identify(context);
    if (identity === undefined) {
      return rejectUnauthenticated(context, "The request has no session.");
    }
    if (isIdentityFailure(identity)) {
      logger.info(
        { path: context.req.path, status: identity.status },
        "request rejected",
      );
      return identity.status === 401
        ? rejectUnauthenticated(context, identity.message)
        : context.json(
            {
              error_code:
                identity.status === 403
                  ? "PERMISSION_DENIED"
                  : "TEMPORARILY_UNAVAILABLE",
              message: identity.message,
            },
            identity.status,
          );
    }

    if (context.req.method === "GET" && context.req.path === "/") {
      const page = await renderChatPage(settings.app.name, identity.user);
      return context.html(page.body, 200, page.headers);
    }

    const requestId = randomUUID();
    const headers = buildUpstreamHeaders(
      context.req.raw.headers,
      {
        "x-forwarded-access-token": identity.token,
        // NOTE: Databricks describes X-Forwarded-User only as the identity provider's
        // user id. The SCIM id is sent in its place; the real format was not checked.
        "x-forwarded-user": identity.user.id,
        "x-forwarded-email": identity.user.email,
        "x-forwarded-preferred-username": identity.user.userName,
        "x-forwarded-host": context.req.header("Host") ?? new URL(url).host,
        "x-forwarded-proto": "http",
        "x-real-ip": getConnInfo(context).remote.address ?? "",
        "x-request-id": requestId,
      },
      (name) => name !== cookies.session && name !== cookies.signIn,
    );
    const response = await forwardRequest(context.req.raw, {
      upstreamUrl: settings.appOrigin,
      headers,
      capMilliseconds: settings.capSeconds * 1000,
      dropConnection: () => context.env.outgoing.destroy(),
      onEnd: (end) => {
        const fields = {
          method: context.req.method,
          path: context.req.path,
          user: identity.user.userName,
          requestId,
          end,
          durationMilliseconds: Math.round(performance.now() - startedAt),
        };
        if (end === "cap") {
          logger.warn(fields, "request ended by the front door's time limit");
        } else {
          logger.info(fields, "request proxied");
        }
      },
    });
    return response;
  });

  app.onError((error, context) => {
    logger.error(
      { path: context.req.path, error: error.message },
      "front door request failed",
    );
    return context.json(
      {
        error_code: "INTERNAL_ERROR",
        message:
          "The front door failed to handle the request; its log has the details.",
      },
      500,
    );
  });
  return app;
}
