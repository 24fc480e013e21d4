import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { createAppCredentials } from "../../databricks/app-credentials.js";
import { resolveAppIdentity } from "../../databricks/app-identity.js";
import { startAgentServer } from "../../server/create-server.js";
import { portNumber } from "../option-parsers.js";
import { waitForShutdown } from "../shutdown.js";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description(
      "Run the agent server against a Databricks workspace (or the local workspace).",
    )
    .option(
      "-c, --config <path>",
      "config file (YAML or JSON)",
      process.env.BEHALF_CONFIG ?? "behalf.config.yaml",
    )
    .option(
      "--hostname <name>",
      "interface to listen on (default from config: 127.0.0.1)",
    )
    .option(
      "-p, --port <number>",
      "port to listen on (default from config or DATABRICKS_APP_PORT: 8000)",
      portNumber("--port"),
    )
    .action(
      async (options: { config: string; hostname?: string; port?: number }) => {
        const config = await loadConfig({
          path: options.config,
          overrides: {
            server: { hostname: options.hostname, port: options.port },
          },
        });
        // Databricks unified auth: DATABRICKS_TOKEN, then the client id and secret,
        // then a ~/.databrickscfg profile. A missing setting stops the start here.
        const identity = await resolveAppIdentity({
          configuredHost: config.workspace.host,
          environment: process.env,
        });
        const host = identity.host;
        const appCredentials = createAppCredentials(identity.settings);
        const server = await startAgentServer({ config, host, appCredentials });
        // Install the signal handlers before the start line, which scripts wait for.
        const shutdown = waitForShutdown([server]);
        process.stdout.write(
          `behalf is serving at ${server.url} for workspace ${host} (app identity from ${identity.source})\n`,
        );
        await shutdown;
      },
    );
}
