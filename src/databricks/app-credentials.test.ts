import { afterEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import {
  AuthenticationError,
  ConfigError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { createAppCredentials } from "./app-credentials.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("createAppCredentials", () => {
  it("prefers DATABRICKS_TOKEN", async () => {
    const credentials = createAppCredentials({
      host: "https://h",
      token: "dapi1",
      clientId: "c",
      clientSecret: "s",
    });
    expect(credentials.kind).toBe("token");
    await expect(credentials.authorization()).resolves.toBe("Bearer dapi1");
  });

  it("names a missing half of the client pair", () => {
    expect(() =>
      createAppCredentials({ host: "https://h", clientId: "c" }),
    ).toThrow(/DATABRICKS_CLIENT_SECRET/);
  });

  it("names every option when none is set", () => {
    expect(() => createAppCredentials({ host: "https://h" })).toThrow(
      ConfigError,
    );
  });
});

describe("OAuth client credentials", () => {
  it("shares one token request among concurrent callers", async () => {
    server = await startScriptedServer(() => ({
      body: loadFixture("oauth-token"),
      delay: 50,
    }));
    const credentials = createAppCredentials({
      host: server.url,
      clientId: "app-id",
      clientSecret: "secret",
    });
    const headers = await Promise.all(
      Array.from({ length: 10 }, () => credentials.authorization()),
    );
    expect(new Set(headers).size).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("sends HTTP Basic and the all-apis scope", async () => {
    server = await startScriptedServer(() => ({
      body: loadFixture("oauth-token"),
    }));
    await createAppCredentials({
      host: server.url,
      clientId: "app-id",
      clientSecret: "secret",
    }).authorization();
    const request = server.requests[0];
    expect(request?.path).toBe("/oidc/v1/token");
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from("app-id:secret").toString("base64")}`,
    );
    expect(new URLSearchParams(request?.body).get("grant_type")).toBe(
      "client_credentials",
    );
    expect(new URLSearchParams(request?.body).get("scope")).toBe("all-apis");
  });

  it("refreshes a token close to expiry", async () => {
    server = await startScriptedServer(() => ({
      body: { ...loadFixture("oauth-token"), expires_in: 30 },
    }));
    const credentials = createAppCredentials({
      host: server.url,
      clientId: "app-id",
      clientSecret: "secret",
    });
    await credentials.authorization();
    await credentials.authorization();
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    [
      "oauth-error-invalid-client",
      401,
      /invalid_client: Client authentication failed/,
    ],
    ["oauth-error-summary", 400, /invalid_client: Invalid client secret/],
  ])(
    "reports rejected client credentials (%s)",
    async (fixture, status, text) => {
      server = await startScriptedServer(() => ({
        status,
        body: loadFixture(fixture),
      }));
      const credentials = createAppCredentials({
        host: server.url,
        clientId: "app-id",
        clientSecret: "wrong",
      });
      const failure = credentials.authorization();
      await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
      await expect(failure).rejects.toThrow(text);
      await expect(failure).rejects.toThrow(/DATABRICKS_CLIENT_SECRET/);
      await expect(failure).rejects.not.toThrow(/wrong/);
    },
  );

  it("reports a failing token endpoint as unavailable", async () => {
    server = await startScriptedServer(() => ({
      status: 503,
      body: loadFixture("error-temporarily-unavailable"),
    }));
    await expect(
      createAppCredentials({
        host: server.url,
        clientId: "app-id",
        clientSecret: "secret",
      }).authorization(),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it("keeps a token until 60 s before it expires", async () => {
    server = await startScriptedServer(() => ({
      body: { ...loadFixture("oauth-token"), expires_in: 61 },
    }));
    const credentials = createAppCredentials({
      host: server.url,
      clientId: "app-id",
      clientSecret: "secret",
    });
    await credentials.authorization();
    await credentials.authorization();
    expect(server.requests).toHaveLength(1);
  });

  it("tries again after a failed refresh", async () => {
    server = await startScriptedServer((_request, index) =>
      index === 0
        ? { status: 500, body: loadFixture("error-internal") }
        : { body: loadFixture("oauth-token") },
    );
    const credentials = createAppCredentials({
      host: server.url,
      clientId: "app-id",
      clientSecret: "secret",
    });
    await expect(credentials.authorization()).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    await expect(credentials.authorization()).resolves.toBe(
      `Bearer ${loadFixture<{ access_token: string }>("oauth-token").access_token}`,
    );
  });
});
