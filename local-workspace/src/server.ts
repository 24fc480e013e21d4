import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import { OAuthClientRegistry } from "./auth/oauth-clients.js";
import { createOAuthRoutes } from "./auth/oauth-routes.js";
import { provideTokenVerifier } from "./auth/require-token.js";
import { issuePrincipalToken } from "./auth/token-issuing.js";
import {
  defaultTokenLifetimeSeconds,
  TokenService,
} from "./auth/token-service.js";
import type {
  LocalWorkspaceEnv,
  RouteDependencies,
  Warehouse,
  WorkspaceDefinition,
} from "./contracts.js";
import {
  type LoadedWorkspaceDefinition,
  loadWorkspaceDefinition,
  prepareWorkspaceDefinition,
} from "./definition/load-definition.js";
import type { FaultDefinitionInput } from "./faults/fault-definitions.js";
import { FaultInjector } from "./faults/fault-injector.js";
import { applyFaults } from "./faults/fault-middleware.js";
import { createFaultRoutes } from "./faults/fault-routes.js";
import { resolveGenieOptions } from "./genie/genie-options.js";
import type { GenieLatencyModel } from "./genie/message-status.js";
import { createGenieRoutes } from "./genie/routes.js";
import {
  createUnexpectedErrorHandler,
  sendEndpointNotFound,
} from "./http/fallback-handlers.js";
import { requireJsonBody, requireLoopbackHost } from "./http/loopback-guard.js";
import {
  createLocalWorkspaceLogger,
  type Logger,
  redactTokens,
} from "./logger.js";
import { RequestRecorder } from "./recorder.js";
import { createScimRoutes } from "./scim/me-routes.js";
import { createServingRoutes } from "./serving/routes.js";
import { createStatementRoutes } from "./statements/routes.js";
import { PgliteWarehouse } from "./warehouse/pglite-warehouse.js";

/** Time each non-terminal Genie status lasts unless the caller sets it. */
export const defaultGenieStatusStepMilliseconds = 400;

export interface LocalWorkspaceOptions {
  /**
   * Path of a YAML or JSON definition file, or a definition object. Defaults to
   * `examples/local-workspace.yaml` of this repository.
   */
  definition?: string | WorkspaceDefinition;
  /** Address to listen on; defaults to 127.0.0.1. */
  hostname?: string;
  /** Port to listen on; 0 (the default) picks a free port. */
  port?: number;
  /** Lifetime of issued access tokens; defaults to 3600 seconds. */
  tokenLifetimeSeconds?: number;
  /** Time each non-terminal Genie message status lasts; defaults to 400 ms. */
  genieStatusStepMilliseconds?: number;
  /** OpenAI-compatible base URL the serving endpoint forwards to. */
  modelUrl?: string;
  /** Bearer token for `modelUrl`. */
  modelApiKey?: string;
  /** Model name sent to `modelUrl`. */
  modelName?: string;
  /**
   * Per-status Genie durations with jitter, as an object or as text such as
   * `ASKING_AI=2000,EXECUTING_QUERY=1500,jitter=0.2` (statuses left out last
   * `genieStatusStepMilliseconds`); replaces the fixed step when set.
   */
  genieLatency?: GenieLatencyModel | string;
  /** How long a Genie query result stays readable, in seconds (fractions allowed); defaults to 3600. */
  genieResultLifetimeSeconds?: number;
  /**
   * Genie questions accepted per minute across the workspace, counting start-conversation
   * and create-message only; `true` means 5. Unset or `false` (the default) means no limit.
   */
  genieQuestionsPerMinute?: number | boolean;
  /**
   * Length of the window the throughput limit counts questions in, in milliseconds;
   * defaults to 60,000. Tests shorten it so that a full budget frees up in seconds.
   */
  genieThroughputWindowMilliseconds?: number;
  /** Whether Genie writes SQL with the model at `modelUrl`; defaults to true when `modelUrl` is set. */
  genieUsesModel?: boolean;
  /** Time a SQL statement waits in PENDING before it runs, in milliseconds; defaults to 0. */
  statementQueueMilliseconds?: number;
  /** Faults active from the start, in the form `POST /local/api/faults` accepts. */
  faults?: FaultDefinitionInput[];
  /** pino level; defaults to `LOCAL_WORKSPACE_LOG_LEVEL` or `info`. */
  logLevel?: string;
  /** Logger to write to instead of a new one on standard output; `logLevel` is then ignored. */
  logger?: Logger;
  /**
   * Folder for snapshots of the built warehouse, reused while the definition, its data
   * files and the warehouse code are unchanged. Unset (the default) builds the
   * warehouse in memory on every start.
   */
  dataDirectory?: string;
}

export interface TokenOptions {
  /** Defaults to `all-apis`. */
  scopes?: string[];
  lifetimeSeconds?: number;
}

/** A running local workspace. */
export interface LocalWorkspace {
  /** Base URL without a trailing slash, such as `http://127.0.0.1:41234`. */
  url: string;
  definition: WorkspaceDefinition;
  warehouse: Warehouse;
  recorder: RequestRecorder;
  /** Credentials of the definition's first service principal, the agent app. */
  servicePrincipal: { clientId: string; clientSecret: string };
  /** Issues an access token for a user name or service principal application id. */
  issueToken(userName: string, options?: TokenOptions): Promise<string>;
  /**
   * Allows `redirectUri` in the authorization code flow of the OAuth client `clientId`
   * (a service principal's application id). Throws for an unknown client.
   */
  registerRedirectUri(clientId: string, redirectUri: string): void;
  close(): Promise<void>;
}

/** Finds `examples/local-workspace.yaml` above this file, from source or from `dist`. */
function defaultDefinitionPath(): string {
  for (let folder = import.meta.dirname; ; folder = dirname(folder)) {
    const candidate = join(folder, "examples", "local-workspace.yaml");
    if (existsSync(candidate)) {
      return candidate;
    }
    if (dirname(folder) === folder) {
      throw new Error(
        `examples/local-workspace.yaml was not found above ${import.meta.dirname}; pass the definition option.`,
      );
    }
  }
}

async function loadDefinition(
  definition: string | WorkspaceDefinition | undefined,
): Promise<LoadedWorkspaceDefinition> {
  if (typeof definition === "object") {
    return prepareWorkspaceDefinition(
      definition,
      "<definition object>",
      process.cwd(),
    );
  }
  return loadWorkspaceDefinition(definition ?? defaultDefinitionPath());
}

/** Logs one line per request; the path only, because a query string may hold a secret. */
function requestLogging(logger: Logger): MiddlewareHandler<LocalWorkspaceEnv> {
  return async (context, next) => {
    const startedAt = performance.now();
    await next();
    logger.info(
      {
        method: context.req.method,
        // Paths are logged redacted: a client may put a token where it does not belong.
        path: redactTokens(context.req.path),
        status: context.res.status,
        durationMilliseconds: Math.round(performance.now() - startedAt),
        principal: context.get("principal")?.userName,
      },
      "request",
    );
  };
}

function buildApplication(
  dependencies: RouteDependencies,
  tokens: TokenService,
  clients: OAuthClientRegistry,
  recorder: RequestRecorder,
  logger: Logger,
  hostname: string,
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();
  app.use("*", recorder.middleware());
  app.use("*", requestLogging(logger));
  app.use("*", requireLoopbackHost(hostname));
  app.use("/local/api/*", requireJsonBody());
  app.use("*", provideTokenVerifier(tokens));
  if (dependencies.faults) {
    app.route("/", createFaultRoutes(dependencies.faults, logger));
    app.use("*", applyFaults(dependencies.faults, logger));
  }

  app.route("/", createOAuthRoutes(dependencies.definition, tokens, clients));
  app.route("/", createScimRoutes(dependencies.definition));
  app.route("/", createGenieRoutes(dependencies));
  app.route("/", createServingRoutes(dependencies));
  app.route("/", createStatementRoutes(dependencies));

  app.notFound(sendEndpointNotFound);
  app.onError(createUnexpectedErrorHandler(logger));
  return app;
}

function urlHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "::") {
    return "127.0.0.1";
  }
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

async function listen(
  server: Server,
  hostname: string,
  port: number,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Starts a local workspace: loads the definition, builds the PGlite warehouse, and
 * serves OAuth, SCIM Me, Genie, SQL statement and serving-endpoint routes over HTTP.
 */
export async function startLocalWorkspace(
  options: LocalWorkspaceOptions = {},
): Promise<LocalWorkspace> {
  const startedAt = performance.now();
  const logger = options.logger ?? createLocalWorkspaceLogger(options.logLevel);
  // Invalid Genie options and faults fail the start before the warehouse loads.
  const genieOptions = resolveGenieOptions({
    ...options,
    genieStatusStepMilliseconds:
      options.genieStatusStepMilliseconds ?? defaultGenieStatusStepMilliseconds,
  });
  const faults = new FaultInjector();
  faults.add(options.faults ?? []);
  const loaded = await loadDefinition(options.definition);
  const { definition } = loaded;

  const agent = definition.servicePrincipals[0];
  if (agent === undefined) {
    throw new Error(
      `The workspace definition ${loaded.source} has no service principal; add one under servicePrincipals for the agent app.`,
    );
  }

  const warehouse = await PgliteWarehouse.create(definition, {
    baseDirectory: loaded.baseDirectory,
    dataDirectory: options.dataDirectory,
    logger,
  });

  let application: Hono<LocalWorkspaceEnv> | undefined;
  const server = createAdaptorServer({
    // The Node bindings (`env`) carry the socket, which loopback-only routes read.
    fetch: (request, env) =>
      application === undefined
        ? new Response("The local workspace is starting.", { status: 503 })
        : application.fetch(request, env),
  }) as Server;

  const hostname = options.hostname ?? "127.0.0.1";
  let url: string;
  let tokens: TokenService;
  try {
    const port = await listen(server, hostname, options.port ?? 0);
    url = `http://${urlHost(hostname)}:${port}`;
    tokens = await TokenService.create(
      url,
      definition,
      options.tokenLifetimeSeconds ?? defaultTokenLifetimeSeconds,
    );
  } catch (error) {
    server.close();
    await warehouse.close();
    throw error;
  }

  const recorder = new RequestRecorder();
  const clients = new OAuthClientRegistry(definition);
  application = buildApplication(
    {
      definition,
      warehouse,
      options: {
        ...genieOptions,
        modelUrl: options.modelUrl,
        modelApiKey: options.modelApiKey,
        modelName: options.modelName,
        statementQueueMilliseconds: options.statementQueueMilliseconds,
      },
      faults,
    },
    tokens,
    clients,
    recorder,
    logger,
    hostname,
  );
  logger.info(
    {
      url,
      definition: loaded.source,
      startMilliseconds: Math.round(performance.now() - startedAt),
      warehouse: warehouse.startup,
    },
    "local workspace started",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    definition,
    warehouse,
    recorder,
    servicePrincipal: {
      clientId: agent.applicationId,
      clientSecret: agent.clientSecret,
    },
    async issueToken(userName, tokenOptions = {}) {
      const token = await issuePrincipalToken(tokens, definition, userName, {
        ...tokenOptions,
        allowServicePrincipals: true,
      });
      return token.accessToken;
    },
    registerRedirectUri(clientId, redirectUri) {
      clients.registerRedirectUri(clientId, redirectUri);
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          server.closeAllConnections();
        });
        await warehouse.close();
        logger.info({ url }, "local workspace stopped");
      })();
      return closing;
    },
  };
}
