import { type ServerType, serve } from "@hono/node-server";
import type { ToolSet } from "ai";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AgentDependencies } from "../agent/run-agent.js";
import { createServingModel } from "../agent/serving-model.js";
import type { BehalfConfig } from "../config/schema.js";
import type { AppCredentials } from "../databricks/app-credentials.js";
import { NotFoundError, toBehalfError } from "../errors/errors.js";
import { resolveServerMode } from "../identity/token-source.js";
import { UserResolver } from "../identity/user-resolver.js";
import { moduleLogger } from "../logging/logger.js";
import { createGenieTool } from "../tools/genie-tool.js";
import { requireUser } from "./request-identity.js";
import { createResponsesHandler } from "./responses-routes.js";

const logger = moduleLogger("server");

export interface AgentServerDependencies {
  config: BehalfConfig;
  /** Normalised workspace origin; user tokens and the app credential go nowhere else. */
  host: string;
  appCredentials: AppCredentials;
  environment?: Record<string, string | undefined>;
}

/** Builds the tools from config. They hold no identity; each call reads the request's user. */
export function createTools(config: BehalfConfig, host: string): ToolSet {
  const tools: ToolSet = {};
  for (const genie of config.tools.genie) {
    tools[genie.name] = createGenieTool(genie, { host });
  }
  return tools;
}

/** Builds the agent server's HTTP application. */
export function createAgentApp(dependencies: AgentServerDependencies): Hono {
  const { config, host } = dependencies;
  const mode = resolveServerMode(
    config.server.mode,
    dependencies.environment ?? process.env,
  );
  const resolver = new UserResolver({ host });

  const agent: AgentDependencies = {
    model: createServingModel({
      host,
      endpoint: config.llm.endpoint,
      appCredentials: dependencies.appCredentials,
    }),
    tools: createTools(config, host),
    settings: {
      systemPrompt: config.agent.systemPrompt,
      maxSteps: config.agent.maxSteps,
      temperature: config.llm.temperature,
      maxTokens: config.llm.maxTokens,
      endpoint: config.llm.endpoint,
    },
  };

  const app = new Hono();

  app.onError((error, context) => {
    const typed = toBehalfError(error);
    if (typed.status >= 500) {
      logger.error({ err: error, code: typed.code }, "request failed");
    } else {
      logger.info(
        { code: typed.code, status: typed.status, path: context.req.path },
        "request rejected",
      );
    }
    if (typed.status === 401) {
      context.header(
        "WWW-Authenticate",
        'Bearer realm="behalf", error="invalid_token"',
      );
    }
    return context.json(typed.toJSON(), typed.status as ContentfulStatusCode);
  });

  app.notFound((context) => {
    const error = new NotFoundError(
      `No route for ${context.req.method} ${context.req.path}. The agent answers at POST /invocations and POST /responses.`,
    );
    return context.json(error.toJSON(), 404);
  });

  app.get("/health", (context) => context.json({ status: "healthy" }));

  const responses = createResponsesHandler(agent);
  for (const path of ["/invocations", "/responses"]) {
    app.post(path, requireUser(mode, resolver), responses);
  }

  logger.info(
    {
      mode,
      host,
      tools: Object.keys(agent.tools),
      endpoint: config.llm.endpoint,
    },
    "agent app built",
  );
  return app;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the agent server on `hostname:port` (port 0 picks a free one). */
export async function startAgentServer(
  dependencies: AgentServerDependencies & { hostname?: string; port?: number },
): Promise<RunningServer> {
  const app = createAgentApp(dependencies);
  const hostname = dependencies.hostname ?? dependencies.config.server.hostname;
  const requestedPort = dependencies.port ?? dependencies.config.server.port;

  const { server, port } = await new Promise<{
    server: ServerType;
    port: number;
  }>((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, hostname, port: requestedPort },
      (info) => resolve({ server, port: info.port }),
    );
    server.once("error", reject);
  });

  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  logger.info({ url }, "agent server listening");
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ("closeAllConnections" in server) {
          server.closeAllConnections();
        }
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
