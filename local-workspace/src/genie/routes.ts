import { Hono } from "hono";
import { requireToken } from "../auth/require-token.js";
import type { LocalWorkspaceEnv, RouteFactory } from "../contracts.js";
import { GenieService } from "./genie-service.js";
import { mountGenieHandlers } from "./http-handlers.js";

/** Genie Conversation API routes. Each needs a token with the `genie` scope or an alias of it. */
export const createGenieRoutes: RouteFactory = ({
  definition,
  warehouse,
  options,
}) => {
  const app = new Hono<LocalWorkspaceEnv>();
  app.use("/api/2.0/genie/*", requireToken(["genie"]));
  const service = new GenieService(definition, warehouse, {
    statusStepMilliseconds: options.genieStatusStepMilliseconds,
  });
  mountGenieHandlers(app, service);
  return app;
};
