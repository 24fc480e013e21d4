import { type Context, Hono } from "hono";
import type { LocalWorkspaceEnv, WorkspaceDefinition } from "../contracts.js";
import type { AuthorizationCodeStore } from "./authorization-codes.js";
import {
  type AuthorizationRequestCheck,
  checkAuthorizationRequest,
  redirectUriWith,
} from "./authorization-request.js";
import type { OAuthClientRegistry } from "./oauth-clients.js";
import { sendOAuthError } from "./oauth-errors.js";
import { renderSignInPage, signInPageHeaders } from "./sign-in-page.js";

/** Sends the outcome of a rejected check: JSON for fatal errors, else a redirect. */
function sendRejection(
  context: Context,
  check: Exclude<AuthorizationRequestCheck, { kind: "valid" }>,
  redirectStatus: 302 | 303,
): Response {
  if (check.kind === "fatal") {
    return sendOAuthError(context, check.failure);
  }
  return context.redirect(
    redirectUriWith(check.redirectUri, {
      error: check.failure.error,
      error_description: check.failure.description,
      state: check.state,
    }),
    redirectStatus,
  );
}

/**
 * The authorization endpoint of the code flow with PKCE. `GET /oidc/v1/authorize` shows
 * the sign-in page, and the page posts the chosen user back to the same path. That post
 * redirects to the client's `redirect_uri` with `code` and `state`.
 */
export function createAuthorizeRoutes(
  definition: WorkspaceDefinition,
  clients: OAuthClientRegistry,
  codes: AuthorizationCodeStore,
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();

  app.get("/oidc/v1/authorize", async (context) => {
    const check = checkAuthorizationRequest(
      new URL(context.req.url).searchParams,
      clients,
    );
    if (check.kind !== "valid") {
      return sendRejection(context, check, 302);
    }
    return context.html(
      await renderSignInPage(check.request, definition.users),
      200,
      signInPageHeaders,
    );
  });

  app.post("/oidc/v1/authorize", async (context) => {
    const form = new URLSearchParams(await context.req.text());
    // The hidden fields come back from the browser, so they are checked again.
    const check = checkAuthorizationRequest(form, clients);
    if (check.kind !== "valid") {
      return sendRejection(context, check, 303);
    }
    const { request } = check;

    if (form.get("decision") === "deny") {
      return context.redirect(
        redirectUriWith(request.redirectUri, {
          error: "access_denied",
          error_description: "The user cancelled the sign-in.",
          state: request.state,
        }),
        303,
      );
    }

    const userName = form.get("user_name") ?? "";
    const user = definition.users.find(
      (candidate) => candidate.userName === userName,
    );
    if (user === undefined) {
      return context.html(
        await renderSignInPage(
          request,
          definition.users,
          `"${userName}" is not a user of this workspace; pick one of the users below.`,
        ),
        400,
        signInPageHeaders,
      );
    }

    const code = codes.issue({
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      userName: user.userName,
      scopes: request.scopes,
    });
    // 303 makes the browser follow with GET, as a redirect after a form post must.
    return context.redirect(
      redirectUriWith(request.redirectUri, { code, state: request.state }),
      303,
    );
  });

  return app;
}
