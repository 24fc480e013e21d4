import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Logger } from "pino";
import { codeChallengeOf } from "../auth/authorization-codes.js";
import { type Page, renderMessagePage } from "./pages.js";
import {
  pendingSignInLifetimeSeconds,
  type SessionStore,
  sessionLifetimeSeconds,
} from "./sessions.js";
import {
  WorkspaceCallError,
  type WorkspaceOAuthClient,
} from "./workspace-oauth-client.js";

export const signInPath = "/.auth/sign-in";
export const callbackPath = "/.auth/callback";
export const signOutPath = "/.auth/sign-out";
export const signedOutPath = "/.auth/signed-out";

/** Cookies of one front door. Ports do not separate cookies, so the names carry the port. */
export interface CookieNames {
  /** The session id, for every path. */
  session: string;
  /** The OAuth `state` of a sign-in in progress, for `/.auth` paths only. */
  signIn: string;
}

export interface SignInRoutesOptions {
  sessions: SessionStore;
  client: WorkspaceOAuthClient;
  /** The callback URL, registered as a redirect URI of the app's OAuth client. */
  callbackUrl: string;
  cookies: CookieNames;
  logger: Logger;
}

function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) {
      return true;
    }
  }
  return false;
}

/**
 * Returns `value` when it is a path on this front door, else `/`. Other origins
 * (`//host`, `/\host`, absolute URLs) and the sign-in paths themselves are refused, so
 * the sign-in cannot become an open redirect or a loop.
 */
export function safeReturnPath(value: string | undefined): string {
  if (
    value === undefined ||
    !value.startsWith("/") ||
    value.startsWith("//") ||
    value.startsWith("/\\") ||
    value.startsWith("/.auth/") ||
    hasControlCharacter(value)
  ) {
    return "/";
  }
  return value;
}

function sendPage(context: Context, page: Page, status: 200 | 400 | 502) {
  return context.html(page.body, status, page.headers);
}

/**
 * Sign-in, callback and sign-out of the front door. Sign-in runs the workspace's
 * authorization code flow with PKCE as the app's OAuth client; the callback redeems the
 * code and sets an HttpOnly, SameSite=Lax session cookie. The cookie has no `Secure`
 * attribute because the front door serves plain HTTP on loopback.
 */
export function createSignInRoutes(options: SignInRoutesOptions): Hono {
  const { sessions, client, callbackUrl, cookies, logger } = options;
  const app = new Hono();

  const sendSignInFailure = async (
    context: Context,
    message: string,
    status: 400 | 502,
  ): Promise<Response> => {
    logger.info({ status, reason: message }, "sign-in failed");
    const page = await renderMessagePage("Sign-in failed", message, {
      href: signInPath,
      text: "Sign in again",
    });
    return sendPage(context, page, status);
  };

  app.get(signInPath, (context) => {
    const pending = sessions.startSignIn(
      safeReturnPath(context.req.query("return_to")),
    );
    setCookie(context, cookies.signIn, pending.state, {
      httpOnly: true,
      sameSite: "Lax",
      path: "/.auth",
      maxAge: pendingSignInLifetimeSeconds,
    });
    return context.redirect(
      client.authorizationUrl({
        redirectUri: callbackUrl,
        state: pending.state,
        codeChallenge: codeChallengeOf(pending.codeVerifier),
      }),
      302,
    );
  });

  app.get(callbackPath, async (context) => {
    const state = context.req.query("state");
    const boundState = getCookie(context, cookies.signIn);
    deleteCookie(context, cookies.signIn, { path: "/.auth" });
    // The state must also be in this browser's cookie, or another browser's sign-in
    // could be completed here (login CSRF).
    if (state === undefined || state !== boundState) {
      return sendSignInFailure(
        context,
        "This sign-in was not started in this browser, or its cookie is gone. Start the sign-in again.",
        400,
      );
    }
    const pending = sessions.finishSignIn(state);
    if (pending === undefined) {
      return sendSignInFailure(
        context,
        `This sign-in is unknown or took longer than ${pendingSignInLifetimeSeconds / 60} minutes. Start the sign-in again.`,
        400,
      );
    }
    const error = context.req.query("error");
    if (error !== undefined) {
      const description = context.req.query("error_description") ?? "";
      return sendSignInFailure(
        context,
        `The workspace did not sign you in: ${error}. ${description}`,
        400,
      );
    }
    const code = context.req.query("code");
    if (code === undefined) {
      return sendSignInFailure(
        context,
        "The workspace returned neither a code nor an error.",
        400,
      );
    }

    let session: ReturnType<SessionStore["create"]>;
    try {
      const userToken = await client.redeemCode(
        code,
        pending.codeVerifier,
        callbackUrl,
      );
      const user = await client.currentUser(userToken.accessToken);
      session = sessions.create(user, userToken);
    } catch (error) {
      if (!(error instanceof WorkspaceCallError)) {
        throw error;
      }
      return sendSignInFailure(context, error.message, 502);
    }

    setCookie(context, cookies.session, session.id, {
      httpOnly: true,
      sameSite: "Lax",
      path: "/",
      maxAge: sessionLifetimeSeconds,
    });
    logger.info({ user: session.user.userName }, "signed in");
    return context.redirect(pending.returnTo, 302);
  });

  const signOut = (context: Context) => {
    const session = sessions.get(getCookie(context, cookies.session));
    sessions.delete(session?.id);
    deleteCookie(context, cookies.session, { path: "/" });
    if (session !== undefined) {
      logger.info({ user: session.user.userName }, "signed out");
    }
    return context.redirect(signedOutPath, 303);
  };
  // POST only: a link or image elsewhere must not be able to sign the user out.
  app.post(signOutPath, signOut);

  app.get(signedOutPath, async (context) =>
    sendPage(
      context,
      await renderMessagePage(
        "Signed out",
        "You are signed out of the front door.",
        {
          href: signInPath,
          text: "Sign in",
        },
      ),
      200,
    ),
  );

  return app;
}
