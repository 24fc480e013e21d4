import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import {
  appCredentialSettingsFromEnvironment,
  createAppCredentials,
} from "../../databricks/app-credentials.js";
import { normalizeHost } from "../../databricks/host.js";
import { ConfigError } from "../../errors/errors.js";
import { startAgentServer } from "../../server/create-server.js";
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
      Number,
    )
    .action(
      async (options: { config: string; hostname?: string; port?: number }) => {
        const config = await loadConfig({
          path: options.config,
          overrides: {
            server: { hostname: options.hostname, port: options.port },
          },
        });
        if (config.workspace.host === undefined) {
          throw new ConfigError(
            `${options.config}: workspace.host is missing. Set it in the file or set DATABRICKS_HOST to the workspace URL.`,
          );
        }
        const host = normalizeHost(config.workspace.host, "workspace.host");
        const appCredentials = createAppCredentials(
          appCredentialSettingsFromEnvironment(host, process.env),
        );
        const server = await startAgentServer({ config, host, appCredentials });
        process.stdout.write(
          `behalf is serving at ${server.url} for workspace ${host}\n`,
        );
        await waitForShutdown([server]);
      },
    );
}
