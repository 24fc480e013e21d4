import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { UserDefinition } from "../contracts.js";
import type { AuthorizationRequest } from "./authorization-request.js";

/**
 * Headers of every sign-in page: no framing (clickjacking), no scripts, no caching.
 * The page needs inline styles only.
 */
export const signInPageHeaders: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
};

const styles = `
  body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1b1f24; }
  h1 { font-size: 1.4rem; }
  .notice { color: #57606a; }
  .error { color: #b42318; }
  form { display: grid; gap: 0.6rem; }
  button { text-align: left; padding: 0.7rem 0.9rem; border: 1px solid #d0d7de; border-radius: 6px; background: #f6f8fa; font: inherit; cursor: pointer; }
  button:hover { background: #eaeef2; }
  button.cancel { text-align: center; background: none; }
  .name { font-weight: 600; }
  .detail { display: block; color: #57606a; font-size: 0.9rem; }
`;

/** Hidden fields that carry the authorization request through the sign-in form. */
function hiddenFields(request: AuthorizationRequest): HtmlEscapedString[] {
  const fields: Record<string, string | null> = {
    response_type: "code",
    client_id: request.client.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(" "),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: "S256",
  };
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(
      ([name, value]) =>
        html`<input type="hidden" name="${name}" value="${value}" />` as HtmlEscapedString,
    );
}

/**
 * Renders the local workspace's sign-in page: one button per demo user, because the
 * local workspace has no passwords, and a button that cancels the sign-in.
 */
export async function renderSignInPage(
  request: AuthorizationRequest,
  users: readonly UserDefinition[],
  errorMessage?: string,
): Promise<string> {
  const userButtons = users.map(
    (user) => html`
      <button type="submit" name="user_name" value="${user.userName}">
        <span class="name">${user.displayName}</span>
        <span class="detail">${user.userName} · groups: ${user.groups.join(", ") || "none"}</span>
      </button>`,
  );
  const error =
    errorMessage === undefined
      ? ""
      : html`<p class="error" role="alert">${errorMessage}</p>`;

  const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Sign in · local workspace</title>
    <style>${raw(styles)}</style>
  </head>
  <body>
    <h1>Sign in to the local workspace</h1>
    <p>
      <strong>${request.client.displayName}</strong> asks to act as you with the scopes
      <code>${request.scopes.join(" ")}</code>.
    </p>
    <p class="notice">This local workspace has no passwords: pick a demo user.</p>
    ${error}
    <form method="post" action="/oidc/v1/authorize">
      ${hiddenFields(request)}
      ${userButtons}
      <button type="submit" class="cancel" name="decision" value="deny">Cancel</button>
    </form>
  </body>
</html>`;
  return String(await page);
}
