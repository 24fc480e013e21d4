/**
 * Serves the serving routes on 127.0.0.1 with the real `requireToken` middleware and
 * a stub token verifier: each bearer token is the key of a fixed test principal. The
 * integration tests use the real local workspace instead.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { provideTokenVerifier } from "../auth/require-token.js";
import type {
  LocalWorkspaceEnv,
  LocalWorkspaceRuntimeOptions,
  Principal,
  TokenVerifier,
  Warehouse,
  WorkspaceDefinition,
} from "../contracts.js";
import { createServingRoutes } from "./routes.js";

export const endpointName = "agent-endpoint";

function principal(
  userName: string,
  groups: string[],
  scopes: string[],
): Principal {
  return {
    kind: "user",
    id: String(userName.length),
    userName,
    displayName: userName,
    groups,
    scopes,
    expiresAt: new Date(Date.now() + 3_600_000),
  };
}

export const testPrincipals: Record<string, Principal> = {
  alice: principal("alice@example.com", ["agent-users"], ["model-serving"]),
  legacy: principal(
    "legacy@example.com",
    ["agent-users"],
    ["serving.serving-endpoints"],
  ),
  admin: principal("admin@example.com", [], ["all-apis"]),
  genieOnly: principal("genie-only@example.com", ["agent-users"], ["genie"]),
  outsider: principal("outsider@example.com", ["viewers"], ["model-serving"]),
};

export const servingDefinition: WorkspaceDefinition = {
  workspaceId: "1234567890",
  users: [],
  groups: [],
  servicePrincipals: [],
  tables: [],
  grants: [],
  rowFilters: [],
  genieSpaces: [],
  servingEndpoints: [
    {
      name: endpointName,
      permissions: [
        { principal: "agent-users", level: "CAN_QUERY" },
        { principal: "admin@example.com", level: "CAN_MANAGE" },
        { principal: "viewers", level: "CAN_VIEW" },
      ],
    },
  ],
  warehouses: [],
};

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const stubVerifier: TokenVerifier = {
  verify: async (token) => {
    const principal = testPrincipals[token];
    return principal
      ? { valid: true, principal }
      : { valid: false, reason: `Unknown test token ${token}.` };
  },
};

/** The serving routes never touch the warehouse, so every call is a test failure. */
const unusedWarehouse: Warehouse = {
  query: () => Promise.reject(new Error("The serving routes must not query.")),
  queryAsAdministrator: () =>
    Promise.reject(new Error("The serving routes must not query.")),
  close: async () => {},
};

/** Starts the serving routes on an ephemeral loopback port. */
export async function startServingTestServer(
  options: Partial<LocalWorkspaceRuntimeOptions> = {},
): Promise<RunningServer> {
  const app = new Hono<LocalWorkspaceEnv>();
  app.use("*", provideTokenVerifier(stubVerifier));
  app.route(
    "/",
    createServingRoutes({
      definition: servingDefinition,
      warehouse: unusedWarehouse,
      options: { genieStatusStepMilliseconds: 0, ...options },
    }),
  );
  return listen(app.fetch);
}

/** Serves `fetchHandler` on 127.0.0.1 with an ephemeral port. */
export function listen(
  fetchHandler: (request: Request) => Response | Promise<Response>,
): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch: fetchHandler, hostname: "127.0.0.1", port: 0 },
      (info: AddressInfo) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise((done, fail) =>
              server.close((error) => (error ? fail(error) : done())),
            ),
        });
      },
    );
  });
}
