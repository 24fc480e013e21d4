import { type ServerType, serve } from "@hono/node-server";
import type { Tool, ToolSet } from "ai";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  type ConversationStore,
  InMemoryConversationStore,
} from "../agent/conversation-store.js";
import { Conversations } from "../agent/conversations.js";
import type { AgentDependencies } from "../agent/run-agent.js";
import { createServingModel } from "../agent/serving-model.js";
import type { BehalfConfig } from "../config/schema.js";
import type { AppCredentials } from "../databricks/app-credentials.js";
import { GenieAdmission } from "../databricks/genie-admission.js";
import {
  InvalidRequestError,
  NotFoundError,
  toBehalfError,
} from "../errors/errors.js";
import { resolveServerMode } from "../identity/token-source.js";
import { UserResolver } from "../identity/user-resolver.js";
import { moduleLogger } from "../logging/logger.js";
import { createGenieTool, genieScopes } from "../tools/genie-tool.js";
import {
  checkDeclaredScopes,
  type ToolScopeRequirement,
  withScopeCheck,
} from "../tools/scopes.js";
import { createSqlTool, sqlScopes } from "../tools/sql-tool.js";
import { describeAgent } from "./agent-info.js";
import type { AgentServices } from "./agent-turn.js";
import { createChatAgentHandler } from "./chat-agent-routes.js";
import { createInvocationsHandler, withJsonBody } from "./invocations-route.js";
import { toOpenAIError } from "./openai-chat-output.js";
import { createOpenAIChatHandler } from "./openai-chat-routes.js";
import { bearerChallenge, requireUser } from "./request-identity.js";
import { createResponsesHandler } from "./responses-routes.js";

const logger = moduleLogger("server");

export interface AgentServerDependencies {
  config: BehalfConfig;
  /** Normalised workspace origin; user tokens and the app credential go nowhere else. */
  host: string;
  appCredentials: AppCredentials;
  environment?: Record<string, string | undefined>;
  /** Conversation storage, a bounded in-memory store by default. */
  conversationStore?: ConversationStore;
  /** The Genie question queue; by default one built from `config.genie` for this server. */
  genieAdmission?: GenieAdmission;
}

/**
 * Builds the tools from config. They hold no identity; each call reads the request's user
 * and first checks that the user's token carries the tool's scope. Throws ConfigError
 * when `app.userApiScopes` is unset while tools are configured, or lacks a scope a tool
 * needs. Genie tools come first, so a planner that breaks ties by order prefers them.
 * Every Genie tool waits in the one `genieAdmission` queue, because Genie's question
 * budget is the workspace's.
 */
export function createTools(
  config: BehalfConfig,
  host: string,
  genieAdmission = new GenieAdmission(config.genie),
): ToolSet {
  const tools: ToolSet = {};
  const requirements: ToolScopeRequirement[] = [];
  const register = (tool: Tool, requirement: ToolScopeRequirement) => {
    tools[requirement.tool] = withScopeCheck(tool, requirement);
    requirements.push(requirement);
  };

  for (const genie of config.tools.genie) {
    register(createGenieTool(genie, { host, admission: genieAdmission }), {
      tool: genie.name,
      scopes: genieScopes,
      resource: `genie_space:${genie.spaceId}`,
    });
  }
  for (const sql of config.tools.sql) {
    register(createSqlTool(sql, { host }), {
      tool: sql.name,
      scopes: sqlScopes,
      resource: `sql_warehouse:${sql.warehouseId}`,
    });
  }

  checkDeclaredScopes(requirements, config.app.userApiScopes);
  return tools;
}

/** Builds the agent server's HTTP application. */
export function createAgentApp(dependencies: AgentServerDependencies): Hono {
  const { config, host } = dependencies;
  const environment = dependencies.environment ?? process.env;
  const mode = resolveServerMode(config.server.mode, environment);
  const resolver = new UserResolver({ host });

  const agent: AgentDependencies = {
    model: createServingModel({
      host,
      endpoint: config.llm.endpoint,
      appCredentials: dependencies.appCredentials,
    }),
    tools: createTools(config, host, dependencies.genieAdmission),
    settings: {
      systemPrompt: config.agent.systemPrompt,
      maxSteps: config.agent.maxSteps,
      maxToolCalls: config.agent.maxToolCalls,
      maxConsecutiveToolFailures: config.agent.maxConsecutiveToolFailures,
      turnDeadlineSeconds: config.agent.turnDeadlineSeconds,
      temperature: config.llm.temperature,
      maxTokens: config.llm.maxTokens,
      endpoint: config.llm.endpoint,
    },
  };
  const services: AgentServices = {
    agent,
    conversations: new Conversations(
      dependencies.conversationStore ?? new InMemoryConversationStore(),
    ),
    keepaliveMilliseconds: config.server.sseKeepaliveSeconds * 1000,
  };
  const agentInfo = describeAgent(environment);

  const app = new Hono();

  app.onError((error, context) => {
    const typed = toBehalfError(error);
    if (typed.status >= 500) {
      logger.error({ err: error, code: typed.code }, "request failed");
    } else {
      logger.info(
        {
          code: typed.code,
          status: typed.status,
          path: context.req.path,
          reason: typed.message,
        },
        "request rejected",
      );
    }
    if (typed.status === 413) {
      // The rest of the body is never read, so the connection cannot carry another request.
      context.header("Connection", "close");
    }
    if (typed.status === 401) {
      context.header("WWW-Authenticate", bearerChallenge);
    }
    // OpenAI clients read errors from an `error` object; the Databricks fields stay beside it.
    const body = context.req.path.startsWith("/v1/")
      ? { ...typed.toJSON(), error: toOpenAIError(typed) }
      : typed.toJSON();
    return context.json(body, typed.status as ContentfulStatusCode);
  });

  app.notFound((context) => {
    const error = new NotFoundError(
      `No route for ${context.req.method} ${context.req.path}. The agent answers at POST /invocations, POST /responses and POST /v1/chat/completions.`,
    );
    const body = context.req.path.startsWith("/v1/")
      ? { ...error.toJSON(), error: toOpenAIError(error) }
      : error.toJSON();
    return context.json(body, 404);
  });

  // Only these two routes respond without a user, and every route added below requires one.
  app.get("/health", (context) => context.json({ status: "healthy" }));
  app.get("/agent/info", (context) => context.json(agentInfo));
  app.use(
    "*",
    bodyLimit({
      maxSize: config.server.maxRequestBytes,
      onError: () => {
        throw new InvalidRequestError(
          `The request body is larger than ${config.server.maxRequestBytes} bytes (server.maxRequestBytes). ` +
            "Send a shorter question or history.",
          { status: 413 },
        );
      },
    }),
  );
  app.use("*", requireUser(mode, resolver));

  const responses = createResponsesHandler(services);
  const chatAgent = createChatAgentHandler(services);
  app.post("/invocations", createInvocationsHandler({ responses, chatAgent }));
  app.post("/responses", withJsonBody(responses));
  app.post(
    "/v1/chat/completions",
    withJsonBody(createOpenAIChatHandler(services)),
  );

  if (Object.keys(agent.tools).length === 0) {
    logger.warn(
      "no tools are configured, so the agent can only answer from the model; add tools.genie or tools.sql entries",
    );
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
