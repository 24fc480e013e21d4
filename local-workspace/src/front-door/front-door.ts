import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import type { Hono } from "hono";
import pino, { type Logger } from "pino";
import type { WorkspaceDefinition } from "../contracts.js";
import {
  buildFrontDoorApplication,
  type FrontDoorEnv,
} from "./front-door-application.js";
import { callbackPath } from "./sign-in-routes.js";

/** Port `behalf dev` gives the front door. */
export const defaultFrontDoorPort = 8002;

/**
 * User API scopes of an app that the workspace definition does not describe: the Genie
 * and SQL APIs, which the agent's tools call, in the names the Apps templates use.
 */
export const defaultAppUserApiScopes = ["dashboards.genie", "sql"];

/** Absolute limit of one proxied request, as the Databricks Apps proxy has: 300 s. */
export const defaultRequestTimeoutSeconds = 300;

/** Settings of the app behind the front door, as Databricks Apps stores them. */
export interface FrontDoorAppSettings {
  /** App name, shown on the chat page. */
  name: string;
  /** Scopes the forwarded token carries (the app's `user_api_scopes`). */
  userApiScopes: string[];
  /** The app's OAuth client: its service principal's application id and secret. */
  clientId: string;
  clientSecret: string;
}

/** The parts of the local workspace that the front door uses. */
export interface FrontDoorWorkspace {
  url: string;
  registerRedirectUri(clientId: string, redirectUri: string): void;
}

export interface FrontDoorOptions {
  workspace: FrontDoorWorkspace;
  /** Origin of the app (an agent server in Apps mode), such as `http://127.0.0.1:41234`. */
  appUrl: string;
  app: FrontDoorAppSettings;
  /** Address to listen on; defaults to 127.0.0.1. */
  hostname?: string;
  /** Port to listen on; 0 (the default) picks a free port. */
  port?: number;
  /** Absolute limit of one proxied request, response stream included; defaults to 300. */
  requestTimeoutSeconds?: number;
  /** pino level; defaults to `LOCAL_WORKSPACE_LOG_LEVEL` or `info`. */
  logLevel?: string;
  /** Logger to write to instead of a new one on standard output. */
  logger?: Logger;
}

/** A running front door. */
export interface FrontDoor {
  /** Base URL without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

/**
 * Returns the settings of the definition's `app`: its name, user API scopes and the
 * credentials of the service principal it runs as. Returns undefined without an `app`.
 */
export function appSettingsFromDefinition(
  definition: WorkspaceDefinition,
): FrontDoorAppSettings | undefined {
  const app = definition.app;
  if (app === undefined) {
    return undefined;
  }
  const servicePrincipal = definition.servicePrincipals.find(
    (candidate) => candidate.applicationId === app.servicePrincipal,
  );
  if (servicePrincipal === undefined) {
    throw new Error(
      `The app "${app.name}" runs as "${app.servicePrincipal}", which is not under servicePrincipals; use one of their application ids.`,
    );
  }
  return {
    name: app.name,
    userApiScopes: [...app.userApiScopes],
    clientId: servicePrincipal.applicationId,
    clientSecret: servicePrincipal.clientSecret,
  };
}

/** Checks the options and returns the app's origin without a trailing slash. */
function checkOptions(options: FrontDoorOptions): string {
  if (options.app.userApiScopes.length === 0) {
    throw new Error(
      `The app "${options.app.name}" has no user API scopes; list the scopes its tools need, such as genie and sql.`,
    );
  }
  const timeout = options.requestTimeoutSeconds;
  if (timeout !== undefined && !(timeout > 0)) {
    throw new Error(
      `requestTimeoutSeconds must be a positive number of seconds, got ${timeout}.`,
    );
  }
  try {
    return new URL(options.appUrl).origin;
  } catch {
    throw new Error(
      `appUrl "${options.appUrl}" is not an absolute URL; pass the agent server's URL such as http://127.0.0.1:8000.`,
    );
  }
}

/**
 * Starts the Databricks Apps front door, a reverse proxy in front of the app. It signs
 * users in with the workspace's OAuth code flow. Each request goes to the app with the
 * user's identity headers and a token narrowed to the app's user API scopes.
 */
export async function startFrontDoor(
  options: FrontDoorOptions,
): Promise<FrontDoor> {
  const appOrigin = checkOptions(options);
  const capSeconds =
    options.requestTimeoutSeconds ?? defaultRequestTimeoutSeconds;
  const logger =
    options.logger?.child({ component: "front-door" }) ??
    pino({
      name: "front-door",
      level:
        options.logLevel ?? process.env.LOCAL_WORKSPACE_LOG_LEVEL ?? "info",
    });

  let application: Hono<FrontDoorEnv> | undefined;
  const server = createAdaptorServer({
    // The server is plain HTTP/1.1, so the bindings are always HttpBindings.
    fetch: (request, env) =>
      application === undefined
        ? new Response("The front door is starting.", { status: 503 })
        : application.fetch(request, env as HttpBindings),
  }) as Server;

  const hostname = options.hostname ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${host}:${port}`;

  try {
    options.workspace.registerRedirectUri(
      options.app.clientId,
      `${url}${callbackPath}`,
    );
  } catch (error) {
    server.close();
    throw error;
  }

  application = buildFrontDoorApplication({
    ...options,
    url,
    appOrigin,
    capSeconds,
    logger,
    cookies: {
      session: `front_door_session_${port}`,
      signIn: `front_door_sign_in_${port}`,
    },
  });
  logger.info(
    { url, app: appOrigin, requestTimeoutSeconds: capSeconds },
    "front door started",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open streams would hold close() until the cap ends them.
        server.closeAllConnections();
      }).then(() => logger.info({ url }, "front door stopped"));
      return closing;
    },
  };
}
