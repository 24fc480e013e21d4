import { join } from "node:path";
import {
  appSettingsFromDefinition,
  defaultAppUserApiScopes,
  startFrontDoor,
} from "../../local-workspace/src/front-door/front-door.js";
import { startLocalWorkspace } from "../../local-workspace/src/server.js";
import { loadConfig } from "../../src/config/load.js";
import type { BehalfConfig } from "../../src/config/schema.js";
import { createAppCredentials } from "../../src/databricks/app-credentials.js";
import { startAgentServer } from "../../src/server/create-server.js";

export const repositoryRoot = join(import.meta.dirname, "..", "..");

/**
 * Snapshot folder for the demo warehouse in tests, apart from the one `npm start` uses;
 * the first test file builds it and the others start from it in about a second.
 */
export const testDataDirectory = join(
  repositoryRoot,
  ".behalf",
  "test-workspace",
);

export type LocalWorkspace = Awaited<ReturnType<typeof startLocalWorkspace>>;

export interface DemoStack {
  workspace: LocalWorkspace;
  agentUrl: string;
  /** The Apps front door, when `frontDoor` was requested; it proxies to a second agent server in Apps mode. */
  frontDoorUrl?: string;
  config: BehalfConfig;
  /** A fresh token for a demo user, with the given scopes (default all-apis). */
  tokenFor(
    userName: string,
    options?: { scopes?: string[]; lifetimeSeconds?: number },
  ): Promise<string>;
  close(): Promise<void>;
}

export interface DemoStackOptions {
  genieStatusStepMilliseconds?: number;
  environment?: Record<string, string | undefined>;
  /** Also starts an agent server in Apps mode behind the local Databricks Apps front door. */
  frontDoor?: { requestTimeoutSeconds?: number; userApiScopes?: string[] };
}

/**
 * Starts the local workspace with the demo definition and the agent server with the demo
 * config, both on 127.0.0.1 with free ports, talking over real HTTP.
 */
export async function startDemoStack(
  options: DemoStackOptions = {},
): Promise<DemoStack> {
  const workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    port: 0,
    genieStatusStepMilliseconds: options.genieStatusStepMilliseconds ?? 20,
    logLevel: process.env.LOCAL_WORKSPACE_LOG_LEVEL ?? "silent",
    dataDirectory: testDataDirectory,
  });
  const config = await loadConfig({
    path: join(repositoryRoot, "examples", "behalf.config.yaml"),
    environment: {},
    overrides: { workspace: { host: workspace.url }, server: { port: 0 } },
  });
  const agent = await startAgentServer({
    config,
    host: workspace.url,
    appCredentials: createAppCredentials({
      host: workspace.url,
      clientId: workspace.servicePrincipal.clientId,
      clientSecret: workspace.servicePrincipal.clientSecret,
    }),
    environment: options.environment ?? {},
  });

  const closeables: { close(): Promise<void> }[] = [workspace, agent];
  let frontDoorUrl: string | undefined;
  if (options.frontDoor !== undefined) {
    const app = appSettingsFromDefinition(workspace.definition) ?? {
      name: "behalf-test",
      userApiScopes: config.app.userApiScopes ?? defaultAppUserApiScopes,
      ...workspace.servicePrincipal,
    };
    const appAgent = await startAgentServer({
      config: { ...config, server: { ...config.server, mode: "apps" } },
      host: workspace.url,
      appCredentials: createAppCredentials({
        host: workspace.url,
        clientId: workspace.servicePrincipal.clientId,
        clientSecret: workspace.servicePrincipal.clientSecret,
      }),
      environment: { DATABRICKS_APP_NAME: app.name },
    });
    const frontDoor = await startFrontDoor({
      workspace,
      appUrl: appAgent.url,
      app: {
        ...app,
        userApiScopes: options.frontDoor.userApiScopes ?? app.userApiScopes,
      },
      requestTimeoutSeconds: options.frontDoor.requestTimeoutSeconds,
      logLevel: process.env.LOCAL_WORKSPACE_LOG_LEVEL ?? "silent",
    });
    closeables.push(appAgent, frontDoor);
    frontDoorUrl = frontDoor.url;
  }

  return {
    workspace,
    agentUrl: agent.url,
    frontDoorUrl,
    config,
    tokenFor: (userName, tokenOptions) =>
      workspace.issueToken(userName, tokenOptions ?? {}),
    close: async () => {
      for (const closeable of closeables.reverse()) {
        await closeable.close();
      }
    },
  };
}
