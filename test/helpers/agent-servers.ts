import { join } from "node:path";
import { startLocalWorkspace } from "../../local-workspace/src/server.js";
import { InMemoryConversationStore } from "../../src/agent/conversation-store.js";
import { loadConfig } from "../../src/config/load.js";
import type { BehalfConfig } from "../../src/config/schema.js";
import { createAppCredentials } from "../../src/databricks/app-credentials.js";
import { startAgentServer } from "../../src/server/create-server.js";
import {
  type LocalWorkspace,
  repositoryRoot,
  testDataDirectory,
} from "./demo-stack.js";

export interface AgentServer {
  url: string;
  config: BehalfConfig;
  /** The server's conversation store, open to inspection. */
  store: InMemoryConversationStore;
}

export interface WorkspaceWithAgents {
  workspace: LocalWorkspace;
  /**
   * Starts an agent server with config values that win over the demo config. `host`
   * replaces the workspace URL, for a stand-in that forwards to the workspace.
   */
  startAgent(
    overrides?: Record<string, unknown>,
    host?: string,
  ): Promise<AgentServer>;
  tokenFor(userName: string): Promise<string>;
  close(): Promise<void>;
}

export interface WorkspaceWithAgentsOptions {
  genieStatusStepMilliseconds?: number;
}

/**
 * Starts one local workspace (the costly part, about 3 s) and lets a test file start
 * several agent servers against it, each with its own config and conversation store.
 */
export async function startWorkspaceWithAgents(
  options: WorkspaceWithAgentsOptions = {},
): Promise<WorkspaceWithAgents> {
  const workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    port: 0,
    genieStatusStepMilliseconds: options.genieStatusStepMilliseconds ?? 20,
    logLevel: process.env.LOCAL_WORKSPACE_LOG_LEVEL ?? "silent",
    dataDirectory: testDataDirectory,
  });
  const closers: (() => Promise<void>)[] = [];

  return {
    workspace,
    tokenFor: (userName) => workspace.issueToken(userName, {}),
    startAgent: async (overrides = {}, host = workspace.url) => {
      const config = await loadConfig({
        path: join(repositoryRoot, "examples", "behalf.config.yaml"),
        environment: {},
        overrides: {
          ...overrides,
          workspace: { host },
          server: {
            ...(overrides.server as Record<string, unknown> | undefined),
            port: 0,
          },
        },
      });
      const store = new InMemoryConversationStore();
      const agent = await startAgentServer({
        config,
        host,
        appCredentials: createAppCredentials({
          host,
          clientId: workspace.servicePrincipal.clientId,
          clientSecret: workspace.servicePrincipal.clientSecret,
        }),
        environment: {},
        conversationStore: store,
      });
      closers.push(() => agent.close());
      return { url: agent.url, config, store };
    },
    close: async () => {
      for (const close of closers) {
        await close();
      }
      await workspace.close();
    },
  };
}
