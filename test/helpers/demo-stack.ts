import { join } from "node:path";
import { startLocalWorkspace } from "../../local-workspace/src/server.js";
import { loadConfig } from "../../src/config/load.js";
import type { BehalfConfig } from "../../src/config/schema.js";
import { createAppCredentials } from "../../src/databricks/app-credentials.js";
import { startAgentServer } from "../../src/server/create-server.js";

export const repositoryRoot = join(import.meta.dirname, "..", "..");

export type LocalWorkspace = Awaited<ReturnType<typeof startLocalWorkspace>>;

export interface DemoStack {
  workspace: LocalWorkspace;
  agentUrl: string;
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

  return {
    workspace,
    agentUrl: agent.url,
    config,
    tokenFor: (userName, tokenOptions) =>
      workspace.issueToken(userName, tokenOptions ?? {}),
    close: async () => {
      await agent.close();
      await workspace.close();
    },
  };
}
