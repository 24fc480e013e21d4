import { join } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { createAppCredentials } from "../../databricks/app-credentials.js";
import { startAgentServer } from "../../server/create-server.js";
import { portNumber, wholeNumber } from "../option-parsers.js";
import { projectRoot } from "../project-root.js";
import { waitForShutdown } from "../shutdown.js";
import { defaultAgentUrl } from "./ask.js";
import { defaultLocalWorkspaceUrl } from "./token.js";

interface DevOptions {
  port: number;
  workspacePort: number;
  frontDoorPort: number;
  frontDoorTimeout: number;
  hostname: string;
  config: string;
  definition: string;
  modelUrl?: string;
  modelName?: string;
  genieStepMs: number;
  genieLatency?: string;
  genieResultLifetime?: number;
  genieQuestionsPerMinute?: string | true;
  genieExamplesOnly?: boolean;
  dataDir: string | false;
}

export function registerDevCommand(program: Command): void {
  const root = projectRoot();
  program
    .command("dev")
    .description(
      "Start the local workspace and the agent server with the demo data and users.",
    )
    .option(
      "-p, --port <number>",
      "agent server port",
      portNumber("--port"),
      8000,
    )
    .option(
      "--workspace-port <number>",
      "local workspace port",
      portNumber("--workspace-port"),
      8001,
    )
    .option(
      "--front-door-port <number>",
      "port of the Databricks Apps front door, which signs users in and proxies to a second agent server in Apps mode",
      portNumber("--front-door-port"),
      8002,
    )
    .option(
      "--front-door-timeout <seconds>",
      "absolute limit of one request through the front door, in seconds",
      wholeNumber("--front-door-timeout", 1),
      300,
    )
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
      wholeNumber("--genie-step-ms", 0),
      400,
    )
    .option(
      "--genie-latency <durations>",
      "per-status Genie durations in milliseconds with optional jitter, such as ASKING_AI=2000,EXECUTING_QUERY=1500,jitter=0.2; statuses left out last --genie-step-ms",
    )
    .option(
      "--genie-result-lifetime <seconds>",
      "seconds a Genie query result stays readable before the message reports QUERY_RESULT_EXPIRED (default 3600)",
      Number,
    )
    .option(
      "--genie-questions-per-minute [count]",
      "limit Genie to this many questions per minute across the workspace, 5 when no count is given (default: no limit)",
    )
    .option(
      "--genie-examples-only",
      "answer Genie questions from the space's example queries even when --model-url is set",
    )
    .option(
      "--data-dir <path>",
      "folder for snapshots of the local workspace's database; a start reuses the snapshot while the definition and its data files are unchanged",
      join(root, ".behalf", "local-workspace"),
    )
    .option(
      "--no-data-dir",
      "build the local workspace's database in memory on every start",
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
        genieLatency: options.genieLatency,
        genieResultLifetimeSeconds: options.genieResultLifetime,
        genieQuestionsPerMinute:
          typeof options.genieQuestionsPerMinute === "string"
            ? Number(options.genieQuestionsPerMinute)
            : options.genieQuestionsPerMinute,
        genieUsesModel: options.genieExamplesOnly ? false : undefined,
        modelUrl: options.modelUrl,
        modelApiKey: process.env.BEHALF_MODEL_API_KEY,
        modelName: options.modelName,
        dataDirectory: options.dataDir === false ? undefined : options.dataDir,
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

      // A second agent server runs as a Databricks App would: in Apps mode on a free
      // port, reached only through the front door, which forwards the user's token.
      const {
        appSettingsFromDefinition,
        defaultAppUserApiScopes,
        startFrontDoor,
      } = await import("../../../local-workspace/src/front-door/front-door.js");
      const app = appSettingsFromDefinition(workspace.definition) ?? {
        name: "behalf-demo",
        userApiScopes: config.app.userApiScopes ?? defaultAppUserApiScopes,
        ...workspace.servicePrincipal,
      };
      const appServer = await startAgentServer({
        config: { ...config, server: { ...config.server, mode: "apps" } },
        host: workspace.url,
        appCredentials,
        environment: { ...process.env, DATABRICKS_APP_NAME: app.name },
        hostname: options.hostname,
        port: 0,
      });
      const frontDoor = await startFrontDoor({
        workspace,
        appUrl: appServer.url,
        app,
        hostname: options.hostname,
        port: options.frontDoorPort,
        requestTimeoutSeconds: options.frontDoorTimeout,
      });

      const users = workspace.definition.users.map(
        (user) =>
          `  ${user.userName.padEnd(20)} groups: ${user.groups.join(", ") || "(none)"}`,
      );
      // The printed commands name the servers only when they are not on the defaults the CLI assumes.
      const workspaceFlag =
        workspace.url === defaultLocalWorkspaceUrl
          ? ""
          : ` --workspace ${workspace.url}`;
      const targetFlags =
        (server.url === defaultAgentUrl ? "" : ` --url ${server.url}`) +
        workspaceFlag;
      const model = options.modelUrl
        ? `proxied to ${options.modelUrl}`
        : "offline-router, a deterministic planner, not a language model";
      // Install the signal handlers before the banner prints "Press Ctrl+C to stop", so a
      // signal sent right after the banner closes the servers instead of killing the process.
      const shutdown = waitForShutdown([
        workspace,
        server,
        appServer,
        frontDoor,
      ]);
      process.stdout.write(
        [
          `Local workspace  ${workspace.url}`,
          `Agent server     ${server.url}   (model endpoint ${config.llm.endpoint}: ${model})`,
          `Apps front door  ${frontDoor.url}   (sign in as a demo user and chat in the browser; proxies to ${appServer.url} in Apps mode)`,
          "",
          "Demo users:",
          ...users,
          "",
          "Ask as two users and compare:",
          `  npm run --silent behalf -- ask${targetFlags} --as alice@example.com "What was the average departure delay in February 2001?"`,
          `  npm run --silent behalf -- ask${targetFlags} --as bob@example.com "What was the average departure delay in February 2001?"`,
          "Or with curl:",
          `  TOKEN=$(npm run --silent behalf -- token${workspaceFlag} --as carol@example.com)`,
          `  curl -s ${server.url}/responses -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
          `    -d '{"input": [{"role": "user", "content": "How many flights departed from SFO?"}]}'`,
          "",
          "Press Ctrl+C to stop.",
          "",
        ].join("\n"),
      );
      await shutdown;
    });
}
