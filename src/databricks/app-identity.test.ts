import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalWorkspace } from "../../local-workspace/src/server.js";
import { repositoryRoot } from "../../test/helpers/demo-stack.js";
import { askAgent } from "../cli/agent-client.js";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../errors/errors.js";
import { startAgentServer } from "../server/create-server.js";
import { createAppCredentials } from "./app-credentials.js";
import { resolveAppIdentity } from "./app-identity.js";

const workspaceHost = "https://adb-1111111111111111.1.azuredatabricks.net";
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "behalf-identity-"));
  await writeFile(
    join(home, ".databrickscfg"),
    [
      "[DEFAULT]",
      `host = ${workspaceHost}`,
      "token = dapi00000000000000000000000000000001",
      "",
      "[service-principal]",
      `host = ${workspaceHost}/`,
      "client_id = 6b0c7a5e-0000-4000-8000-000000000001",
      "client_secret = profile-secret",
      "",
      "[half]",
      `host = ${workspaceHost}`,
      "client_id = 6b0c7a5e-0000-4000-8000-000000000002",
      "",
      "[hostless]",
      "token = dapi00000000000000000000000000000003",
    ].join("\n"),
  );
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function resolve(
  environment: Record<string, string | undefined>,
  configuredHost: string | undefined = environment.DATABRICKS_HOST,
) {
  return resolveAppIdentity({
    configuredHost,
    environment,
    homeDirectory: home,
  });
}

describe("resolveAppIdentity order", () => {
  it("prefers DATABRICKS_TOKEN over the client pair and the profile", async () => {
    const identity = await resolve({
      DATABRICKS_HOST: workspaceHost,
      DATABRICKS_TOKEN: "dapi-from-environment",
      DATABRICKS_CLIENT_ID: "client",
      DATABRICKS_CLIENT_SECRET: "secret",
    });
    expect(identity.source).toBe("DATABRICKS_TOKEN");
    expect(identity.settings.token).toBe("dapi-from-environment");
  });

  it("uses the client pair that Databricks Apps injects", async () => {
    const identity = await resolve({
      DATABRICKS_HOST: "adb-1111111111111111.1.azuredatabricks.net",
      DATABRICKS_CLIENT_ID: "app-client",
      DATABRICKS_CLIENT_SECRET: "app-secret",
      DATABRICKS_APP_PORT: "8000",
    });
    expect(identity.host).toBe(workspaceHost);
    expect(identity.source).toBe(
      "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
    );
    expect(identity.settings).toMatchObject({
      clientId: "app-client",
      clientSecret: "app-secret",
    });
    expect(createAppCredentials(identity.settings).kind).toBe(
      "oauth-client-credentials",
    );
  });

  it("falls back to the DEFAULT profile, host included", async () => {
    const identity = await resolve({});
    expect(identity.host).toBe(workspaceHost);
    expect(identity.settings.token).toBe(
      "dapi00000000000000000000000000000001",
    );
    expect(identity.source).toMatch(/^token of the profile DEFAULT of /);
  });

  it("reads client credentials from a named profile", async () => {
    const identity = await resolve({
      DATABRICKS_HOST: workspaceHost,
      DATABRICKS_CONFIG_PROFILE: "service-principal",
    });
    expect(identity.settings).toMatchObject({
      clientId: "6b0c7a5e-0000-4000-8000-000000000001",
      clientSecret: "profile-secret",
    });
  });

  it("takes the host from the profile for environment credentials", async () => {
    const identity = await resolve({
      DATABRICKS_TOKEN: "dapi-from-environment",
    });
    expect(identity.host).toBe(workspaceHost);
  });
});

describe("resolveAppIdentity errors", () => {
  it.each([
    [
      "half a client pair",
      { DATABRICKS_HOST: workspaceHost, DATABRICKS_CLIENT_ID: "client" },
      /DATABRICKS_CLIENT_SECRET is missing/,
    ],
    [
      "half a client pair in a profile",
      { DATABRICKS_CONFIG_PROFILE: "half" },
      /profile half of .* has no client_secret/,
    ],
    [
      "no host anywhere",
      { DATABRICKS_CONFIG_PROFILE: "hostless" },
      /workspace host is missing\. Set DATABRICKS_HOST/,
    ],
    [
      "a profile for another workspace",
      {
        DATABRICKS_HOST: "https://adb-9999999999999999.9.azuredatabricks.net",
        DATABRICKS_CONFIG_PROFILE: "service-principal",
      },
      /is for https:\/\/adb-1111111111111111\.1\.azuredatabricks\.net, but the workspace is https:\/\/adb-9999/,
    ],
    [
      "a missing profile",
      { DATABRICKS_CONFIG_PROFILE: "prod" },
      /The profile prod \(DATABRICKS_CONFIG_PROFILE\) is not in/,
    ],
  ])("names the setting for %s", async (_case, environment, message) => {
    const failure = resolve(environment);
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(message);
  });

  it("lists every option when nothing is set", async () => {
    const failure = resolveAppIdentity({
      configuredHost: workspaceHost,
      environment: {},
      homeDirectory: "/nonexistent",
    });
    await expect(failure).rejects.toThrow(
      /set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET .* ~\/\.databrickscfg profile/,
    );
  });

  it("never puts a secret in its messages", async () => {
    const failure = resolve({
      DATABRICKS_HOST: workspaceHost,
      DATABRICKS_CLIENT_SECRET: "very-secret-value",
    });
    await expect(failure).rejects.toThrow(/DATABRICKS_CLIENT_ID is missing/);
    await expect(failure).rejects.not.toThrow(/very-secret-value/);
  });
});

describe("ambient app credentials and user clients", () => {
  it("keep every user-side request on the user's token", async () => {
    const workspace = await startLocalWorkspace({
      definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
      port: 0,
      genieStatusStepMilliseconds: 5,
      logLevel: "silent",
    });
    try {
      const appToken = await workspace.issueToken(
        workspace.servicePrincipal.clientId,
      );
      const ambient = {
        DATABRICKS_HOST: workspace.url,
        DATABRICKS_TOKEN: appToken,
        DATABRICKS_CLIENT_ID: workspace.servicePrincipal.clientId,
        DATABRICKS_CLIENT_SECRET: workspace.servicePrincipal.clientSecret,
      };
      for (const [name, value] of Object.entries(ambient)) {
        vi.stubEnv(name, value);
      }
      const identity = await resolveAppIdentity({
        configuredHost: ambient.DATABRICKS_HOST,
        environment: process.env,
      });
      const config = await loadConfig({
        path: join(repositoryRoot, "examples", "behalf.config.yaml"),
        environment: {},
        overrides: { workspace: { host: identity.host }, server: { port: 0 } },
      });
      const agent = await startAgentServer({
        config,
        host: identity.host,
        appCredentials: createAppCredentials(identity.settings),
        environment: {},
      });
      try {
        const userToken = await workspace.issueToken("alice@example.com");
        workspace.recorder.clear();
        const answer = await askAgent({
          url: agent.url,
          token: userToken,
          question: "How many flights departed from SFO?",
        });
        expect(answer.error).toBeUndefined();

        const records = workspace.recorder.records;
        const userSide = records.filter(
          (record) => !record.path.startsWith("/serving-endpoints"),
        );
        expect(
          userSide.some((record) => record.path.startsWith("/api/2.0/genie")),
        ).toBe(true);
        for (const record of userSide) {
          expect(record.headers.authorization).toBe(`Bearer ${userToken}`);
          const everything = JSON.stringify(record);
          expect(everything).not.toContain(appToken);
          expect(everything).not.toContain(ambient.DATABRICKS_CLIENT_SECRET);
        }
        const serving = records.filter((record) =>
          record.path.startsWith("/serving-endpoints"),
        );
        expect(serving.length).toBeGreaterThan(0);
        for (const record of serving) {
          expect(record.headers.authorization).toBe(`Bearer ${appToken}`);
        }
      } finally {
        await agent.close();
      }
    } finally {
      vi.unstubAllEnvs();
      await workspace.close();
    }
  });
});
