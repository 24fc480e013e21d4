import { randomBytes } from "node:crypto";
import { html, raw } from "hono/html";
import { chatScript } from "./chat-script.js";
import type { WorkspaceUser } from "./workspace-oauth-client.js";

/** A rendered page with the headers it must be sent with. */
export interface Page {
  body: string;
  headers: Record<string, string>;
}

const styles = `
  body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; }
  h1 { font-size: 1.3rem; }
  form.ask { display: flex; gap: 0.5rem; margin: 1rem 0; }
  input[type=text] { flex: 1; padding: 0.5rem; font: inherit; }
  button { padding: 0.5rem 0.9rem; font: inherit; cursor: pointer; }
  #steps { color: #57606a; font-size: 0.9rem; font-family: ui-monospace, monospace; padding-left: 1.2rem; }
  #answer { white-space: pre-wrap; line-height: 1.5; }
  #status { color: #b42318; }
  .muted { color: #57606a; }
`;

/** Headers of every front door page: no framing, no caching, scripts by nonce only. */
function pageHeaders(scriptNonce?: string): Record<string, string> {
  const scripts =
    scriptNonce === undefined ? "" : `; script-src 'nonce-${scriptNonce}'`;
  return {
    "Content-Security-Policy": `default-src 'none'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'${scripts}`,
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
  };
}

/**
 * Renders the chat page at the front door's root. The user's name comes from the
 * session; the script sends questions to the app through the front door.
 */
export async function renderChatPage(
  appName: string,
  user: WorkspaceUser,
): Promise<Page> {
  const nonce = randomBytes(16).toString("base64");
  const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${appName}</title>
    <style>${raw(styles)}</style>
  </head>
  <body>
    <header>
      <h1>${appName}</h1>
      <form method="post" action="/.auth/sign-out">
        <span class="muted">Signed in as <strong id="user">${user.userName}</strong></span>
        <button type="submit">Sign out</button>
      </form>
    </header>
    <p class="muted">
      Questions go to the app's <code>POST /responses</code> through this front door, which
      forwards a token narrowed to the app's user API scopes, so every answer is computed
      from the rows ${user.displayName} may see.
    </p>
    <form id="ask" class="ask">
      <input id="question" type="text" name="question" autocomplete="off"
        aria-label="Question" value="What was the average departure delay in February 2001?" />
      <button id="send" type="submit">Ask</button>
    </form>
    <ol id="steps"></ol>
    <div id="answer" aria-live="polite" data-state="idle"></div>
    <p id="status" role="status"></p>
    <script nonce="${nonce}">${raw(chatScript)}</script>
  </body>
</html>`;
  return { body: String(await page), headers: pageHeaders(nonce) };
}

/** Renders a short page with a heading, a message and one link. */
export async function renderMessagePage(
  title: string,
  message: string,
  link: { href: string; text: string },
): Promise<Page> {
  const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <style>${raw(styles)}</style>
  </head>
  <body>
    <h1>${title}</h1>
    <p>${message}</p>
    <p><a href="${link.href}">${link.text}</a></p>
  </body>
</html>`;
  return { body: String(await page), headers: pageHeaders() };
}
