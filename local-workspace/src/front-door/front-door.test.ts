import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalWorkspace, startLocalWorkspace } from "../server.js";
import {
  appSettingsFromDefinition,
  type FrontDoor,
  startFrontDoor,
} from "./front-door.js";
import { safeReturnPath } from "./sign-in-routes.js";

const userApiScopes = ["dashboards.genie", "sql"];
const capSeconds = 1;
const uuidPattern =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface AppRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A stand-in app that records every request and responds by path. */
const appRequests: AppRequest[] = [];
const closedStreams: string[] = [];
let releaseSecondEvent: () => void = () => undefined;

function answer(path: string, response: ServerResponse): void {
  if (path === "/sse") {
    response.writeHead(200, { "Content-Type": "text/event-stream" });
    response.write('data: {"n":1}\n\n');
    releaseSecondEvent = () => {
      response.write('data: {"n":2}\n\n');
      response.end("data: [DONE]\n\n");
    };
    return;
  }
  if (path === "/slow-stream") {
    response.writeHead(200, { "Content-Type": "text/event-stream" });
    const timer = setInterval(() => response.write(": tick\n\n"), 50);
    response.on("close", () => {
      clearInterval(timer);
      closedStreams.push(path);
    });
    return;
  }
  if (path === "/silent") {
    response.on("close", () => closedStreams.push(path));
    return;
  }
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ path }));
}

let app: Server;
let appUrl: string;
let workspace: LocalWorkspace;
let frontDoor: FrontDoor;

beforeAll(async () => {
  app = createServer((request, response) => {
    const path = request.url ?? "";
    appRequests.push({
      method: request.method ?? "",
      path,
      headers: request.headers,
    });
    answer(path, response);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

  workspace = await startLocalWorkspace({ port: 0, logLevel: "silent" });
  frontDoor = await startFrontDoor({
    workspace,
    appUrl,
    app: {
      name: "test app",
      userApiScopes,
      ...workspace.servicePrincipal,
    },
    requestTimeoutSeconds: capSeconds,
    logLevel: "silent",
  });
}, 60_000);

afterAll(async () => {
  await frontDoor?.close();
  await workspace?.close();
  app?.closeAllConnections();
  await new Promise((resolve) => app?.close(resolve));
});

beforeEach(() => {
  appRequests.length = 0;
  closedStreams.length = 0;
});

function cookiePairs(response: Response): string[] {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";", 1)[0] ?? "")
    .filter((pair) => !pair.endsWith("="));
}

/** Signs in through the front door and the workspace's sign-in page, as a browser would. */
async function signIn(
  userName: string,
  returnTo = "/",
): Promise<{ cookie: string; landing: string }> {
  const start = await fetch(
    `${frontDoor.url}/.auth/sign-in?return_to=${encodeURIComponent(returnTo)}`,
    { redirect: "manual" },
  );
  const stateCookie = cookiePairs(start).join("; ");
  const authorize = new URL(start.headers.get("location") ?? "");

  const form = new URLSearchParams(authorize.searchParams);
  form.set("user_name", userName);
  const chosen = await fetch(`${workspace.url}/oidc/v1/authorize`, {
    method: "POST",
    body: form,
    redirect: "manual",
  });

  const callback = await fetch(chosen.headers.get("location") ?? "", {
    headers: { Cookie: stateCookie },
    redirect: "manual",
  });
  return {
    cookie: cookiePairs(callback).join("; "),
    landing: callback.headers.get("location") ?? "",
  };
}

async function echo(init: RequestInit = {}, path = "/echo") {
  const response = await fetch(`${frontDoor.url}${path}`, init);
  await response.text();
  return { response, received: appRequests.at(-1) };
}

let alice: string;
beforeAll(async () => {
  alice = (await signIn("alice@example.com")).cookie;
});

describe("requests without a session", () => {
  it("redirects a browser to sign in", async () => {
    const response = await fetch(`${frontDoor.url}/some/page?x=1`, {
      headers: { Accept: "text/html" },
      redirect: "manual",
    });

    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(
      `/.auth/sign-in?return_to=${encodeURIComponent("/some/page?x=1")}`,
    );
    expect(appRequests).toHaveLength(0);
  });

  it("answers 401 to an API client", async () => {
    const response = await fetch(`${frontDoor.url}/responses`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Forwarded-Email": "alice@example.com",
        "X-Forwarded-Access-Token":
          await workspace.issueToken("alice@example.com"),
      },
      body: "{}",
    });
    const body = await response.json();

    expect(response.status).toBe(401);
    expect(body.error_code).toBe("UNAUTHENTICATED");
    expect(body.message).toContain("/.auth/sign-in");
    expect(appRequests).toHaveLength(0);
  });

  it("rejects a forged bearer token", async () => {
    const response = await fetch(`${frontDoor.url}/responses`, {
      method: "POST",
      headers: { Authorization: "Bearer eyJhbGciOiJub25lIn0.e30." },
    });

    expect(response.status).toBe(401);
    expect(appRequests).toHaveLength(0);
  });

  it("rejects a bearer token without the app's scopes", async () => {
    const token = await workspace.issueToken("bob@example.com", {
      scopes: ["sql"],
    });

    const response = await fetch(`${frontDoor.url}/responses`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = await response.json();

    expect(response.status).toBe(403);
    expect(body.message).toMatch(/does not have the scope "dashboards.genie"/);
    expect(appRequests).toHaveLength(0);
  });
});

describe("sign-in", () => {
  it("returns to the requested path", async () => {
    const { cookie, landing } = await signIn("bob@example.com", "/chat?x=1");

    expect(landing).toBe("/chat?x=1");
    expect(cookie).toMatch(/^front_door_session_\d+=[\w-]{43}$/);
  });

  it("sets an HttpOnly SameSite=Lax session cookie", async () => {
    const start = await fetch(`${frontDoor.url}/.auth/sign-in`, {
      redirect: "manual",
    });
    const form = new URLSearchParams(
      new URL(start.headers.get("location") ?? "").searchParams,
    );
    form.set("user_name", "alice@example.com");
    const chosen = await fetch(`${workspace.url}/oidc/v1/authorize`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });

    const callback = await fetch(chosen.headers.get("location") ?? "", {
      headers: { Cookie: cookiePairs(start).join("; ") },
      redirect: "manual",
    });
    const session = callback.headers
      .getSetCookie()
      .find((cookie) => cookie.startsWith("front_door_session_"));

    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\//);
  });

  it("rejects a callback started in another browser", async () => {
    const start = await fetch(`${frontDoor.url}/.auth/sign-in`, {
      redirect: "manual",
    });
    const state = new URL(start.headers.get("location") ?? "").searchParams.get(
      "state",
    );

    const callback = await fetch(
      `${frontDoor.url}/.auth/callback?code=x&state=${state}`,
      { redirect: "manual" },
    );

    expect(callback.status).toBe(400);
    expect(callback.headers.getSetCookie().join()).not.toMatch(
      /front_door_session_\d+=\w/,
    );
  });

  it("keeps the session on a GET to sign-out", async () => {
    const { cookie } = await signIn("bob@example.com");

    await fetch(`${frontDoor.url}/.auth/sign-out`, {
      headers: { Cookie: cookie },
      redirect: "manual",
    });
    const after = await fetch(`${frontDoor.url}/echo`, {
      headers: { Cookie: cookie },
    });

    expect(after.status).toBe(200);
  });

  it("answers an oversized body with 413, not passing it on", async () => {
    const { cookie } = await signIn("bob@example.com");
    appRequests.length = 0;

    const response = await fetch(`${frontDoor.url}/echo`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ input: "x".repeat(1_100_000) }),
    });

    expect(response.status).toBe(413);
    expect(appRequests).toHaveLength(0);
  });

  it("ends the session at sign-out", async () => {
    const { cookie } = await signIn("bob@example.com");

    const signOut = await fetch(`${frontDoor.url}/.auth/sign-out`, {
      method: "POST",
      headers: { Cookie: cookie },
      redirect: "manual",
    });
    const after = await fetch(`${frontDoor.url}/echo`, {
      headers: { Cookie: cookie },
    });

    expect(signOut.status).toBe(303);
    expect(signOut.headers.get("location")).toBe("/.auth/signed-out");
    expect(after.status).toBe(401);
    expect(appRequests).toHaveLength(0);
  });

  it.each([
    [undefined, "/"],
    ["/chat?q=1", "/chat?q=1"],
    ["//evil.example/x", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example/", "/"],
    ["/.auth/sign-out", "/"],
  ])("keeps return path %s as %s", (value, expected) => {
    expect(safeReturnPath(value)).toBe(expected);
  });
});

describe("forwarded identity", () => {
  it("replaces spoofed identity headers", async () => {
    const { response, received } = await echo({
      headers: {
        Cookie: `${alice}; theme=dark`,
        "X-Forwarded-Email": "carol@example.com",
        "X-Forwarded-User": "1",
        "X-Forwarded-Preferred-Username": "carol@example.com",
        "X-Forwarded-Access-Token": "spoofed-token",
        "X-Forwarded-For": "203.0.113.9",
        "X-Real-Ip": "203.0.113.9",
        Forwarded: "for=203.0.113.9",
        Authorization: "Bearer spoofed-token",
      },
    });
    const headers = received?.headers ?? {};

    expect(response.status).toBe(200);
    expect(headers["x-forwarded-email"]).toBe("alice@example.com");
    expect(headers["x-forwarded-preferred-username"]).toBe("alice@example.com");
    expect(headers["x-forwarded-user"]).toMatch(/^\d+$/);
    expect(headers["x-forwarded-access-token"]).not.toBe("spoofed-token");
    expect(headers["x-forwarded-for"]).toBeUndefined();
    expect(headers["x-real-ip"]).toBe("127.0.0.1");
    expect(headers.forwarded).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toBe("theme=dark");
  });

  it("forwards a token with only the app's scopes", async () => {
    const { received } = await echo({ headers: { Cookie: alice } });
    const token = String(received?.headers["x-forwarded-access-token"]);
    const keys = await (await fetch(`${workspace.url}/oidc/v1/keys`)).json();

    const { payload } = await jwtVerify(token, createLocalJWKSet(keys), {
      issuer: `${workspace.url}/oidc`,
      audience: workspace.url,
    });

    expect(payload.sub).toBe("alice@example.com");
    expect(payload.scope).toBe(userApiScopes.join(" "));
    expect(payload.act).toEqual({ sub: workspace.servicePrincipal.clientId });
  });

  it("exchanges a bearer token from an API client", async () => {
    const token = await workspace.issueToken("bob@example.com");

    const { received } = await echo({
      headers: { Authorization: `Bearer ${token}` },
    });
    const forwarded = String(received?.headers["x-forwarded-access-token"]);

    expect(received?.headers["x-forwarded-email"]).toBe("bob@example.com");
    expect(forwarded).not.toBe(token);
    expect(decodeJwt(forwarded).scope).toBe(userApiScopes.join(" "));
  });

  it("gives every request a fresh request id", async () => {
    const first = await echo({
      headers: { Cookie: alice, "X-Request-Id": "chosen-by-client" },
    });
    const second = await echo({
      headers: { Cookie: alice, "X-Request-Id": "chosen-by-client" },
    });
    const firstId = first.received?.headers["x-request-id"];
    const secondId = second.received?.headers["x-request-id"];

    expect(firstId).toMatch(uuidPattern);
    expect(secondId).toMatch(uuidPattern);
    expect(firstId).not.toBe(secondId);
  });

  it("keeps a double-slash path on the app", async () => {
    const { received } = await echo(
      { headers: { Cookie: alice } },
      "//evil.example/x",
    );

    expect(received?.path).toBe("//evil.example/x");
  });

  it("serves the chat page at the root", async () => {
    const response = await fetch(`${frontDoor.url}/`, {
      headers: { Cookie: alice, Accept: "text/html" },
    });
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain("alice@example.com");
    expect(response.headers.get("content-security-policy")).toMatch(
      /script-src 'nonce-[\w+/=]+'/,
    );
    expect(appRequests).toHaveLength(0);
  });
});

describe("appSettingsFromDefinition", () => {
  it("reads the demo app", () => {
    const settings = appSettingsFromDefinition(workspace.definition);

    expect(settings).toEqual({
      name: "behalf-demo",
      userApiScopes: ["sql", "dashboards.genie"],
      ...workspace.servicePrincipal,
    });
  });

  it("returns undefined without an app", () => {
    const { app: _app, ...withoutApp } = workspace.definition;

    expect(appSettingsFromDefinition(withoutApp)).toBeUndefined();
  });
});

describe("streaming", () => {
  it("passes events on as the app writes them", async () => {
    const response = await fetch(`${frontDoor.url}/sse`, {
      headers: { Cookie: alice },
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();

    // The app sends its second event only after the first has come through the
    // proxy, so a buffering proxy would never deliver anything.
    const first = decoder.decode((await reader.read()).value);
    releaseSecondEvent();
    let rest = "";
    for (
      let chunk = await reader.read();
      !chunk.done;
      chunk = await reader.read()
    ) {
      rest += decoder.decode(chunk.value);
    }

    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(first).toBe('data: {"n":1}\n\n');
    expect(rest).toBe('data: {"n":2}\n\ndata: [DONE]\n\n');
  });

  it("ends a slow stream at the cap", async () => {
    const startedAt = performance.now();
    const response = await fetch(`${frontDoor.url}/slow-stream`, {
      headers: { Cookie: alice },
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();

    let ending = "done";
    try {
      while (!(await reader.read()).done) {
        // Keep reading ticks until the front door cuts the stream.
      }
    } catch {
      ending = "error";
    }
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(response.status).toBe(200);
    expect(ending).toBe("error");
    expect(elapsedSeconds).toBeGreaterThanOrEqual(capSeconds * 0.9);
    expect(elapsedSeconds).toBeLessThan(capSeconds + 2);
    expect(closedStreams).toContain("/slow-stream");
  });

  it("answers 504 when the app is silent past the cap", async () => {
    const response = await fetch(`${frontDoor.url}/silent`, {
      headers: { Cookie: alice },
    });
    const body = await response.json();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(response.status).toBe(504);
    expect(body.error_code).toBe("DEADLINE_EXCEEDED");
    expect(closedStreams).toContain("/silent");
  });
});
