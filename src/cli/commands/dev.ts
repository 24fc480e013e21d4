import { join } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { createAppCredentials } from "../../databricks/app-credentials.js";
import { startAgentServer } from "../../server/create-server.js";
import { projectRoot } from "../project-root.js";
import { waitForShutdown } from "../shutdown.js";

interface DevOptions {
  port: number;
  workspacePort: number;
  hostname: string;
  config: string;
  definition: string;
  modelUrl?: string;
  modelName?: string;
  genieStepMs: number;
}

export function registerDevCommand(program: Command): void {
  const root = projectRoot();
  program
    .command("dev")
    .description(
      "Start the local workspace and the agent server with the demo data and users.",
    )
    .option("-p, --port <number>", "agent server port", Number, 8000)
    .option("--workspace-port <number>", "local workspace port", Number, 8001)
    .option(
      "--hostname <name>",
      "loopback interface for both servers",
      "127.0.0.1",
    )
    .option(
      "-c, --config <path>",
      "agent config file",
      join(root, "examples", "behalf.config.yaml"),
    )
    .option(
      "--definition <path>",
      "local workspace definition",
      join(root, "examples", "local-workspace.yaml"),
    )
    .option(
      "--model-url <url>",
      "OpenAI-compatible base URL the serving endpoint proxies to (key from BEHALF_MODEL_API_KEY); without it the endpoint serves offline-router",
    )
    .option("--model-name <name>", "model name sent to --model-url")
    .option(
      "--genie-step-ms <milliseconds>",
      "how long each in-progress Genie status lasts",
      Number,
      400,
    )
    .action(async (options: DevOptions) => {
      // The local workspace is a development stand-in; only this command loads it.
      const { startLocalWorkspace } = await import(
        "../../../local-workspace/src/server.js"
      );
      const workspace = await startLocalWorkspace({
        definition: options.definition,
        hostname: options.hostname,
        port: options.workspacePort,
        genieStatusStepMilliseconds: options.genieStepMs,
        modelUrl: options.modelUrl,
        modelApiKey: process.env.BEHALF_MODEL_API_KEY,
        modelName: options.modelName,
      });

      const config = await loadConfig({
        path: options.config,
        overrides: {
          workspace: { host: workspace.url },
          server: { hostname: options.hostname, port: options.port },
        },
      });
      const appCredentials = createAppCredentials({
        host: workspace.url,
        clientId: workspace.servicePrincipal.clientId,
        clientSecret: workspace.servicePrincipal.clientSecret,
      });
      const server = await startAgentServer({
        config,
        host: workspace.url,
        appCredentials,
        environment: { ...process.env, DATABRICKS_APP_NAME: undefined },
      });

      const users = workspace.definition.users.map(
        (user) =>
          `  ${user.userName.padEnd(20)} groups: ${user.groups.join(", ") || "(none)"}`,
      );
      const model = options.modelUrl
        ? `proxied to ${options.modelUrl}`
        : "offline-router, a deterministic planner, not a language model";
      process.stdout.write(
        [
          `Local workspace  ${workspace.url}`,
          `Agent server     ${server.url}   (model endpoint ${config.llm.endpoint}: ${model})`,
          "",
          "Demo users:",
          ...users,
          "",
          "Ask as two users and compare:",
          `  npm run behalf -- ask --as alice@example.com "What was the average departure delay in February 2001?"`,
          `  npm run behalf -- ask --as bob@example.com "What was the average departure delay in February 2001?"`,
          "Or with curl:",
          `  TOKEN=$(npm run --silent behalf -- token --as carol@example.com)`,
          `  curl -s ${server.url}/responses -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
          `    -d '{"input": [{"role": "user", "content": "How many flights departed from SFO?"}]}'`,
          "",
          "Press Ctrl+C to stop.",
          "",
        ].join("\n"),
      );
      await waitForShutdown([workspace, server]);
    });
}
