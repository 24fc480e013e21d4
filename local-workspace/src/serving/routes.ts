import { Hono } from "hono";
import { requireToken } from "../auth/require-token.js";
import type { LocalWorkspaceEnv, RouteFactory } from "../contracts.js";
import { mountServingHandlers } from "./http-handlers.js";

/**
 * Serving-endpoint query routes. Every one needs a token with the `model-serving`
 * scope, which `requireToken` also accepts under its older name
 * `serving.serving-endpoints` and through `all-apis`.
 */
export const createServingRoutes: RouteFactory = (dependencies) => {
  const app = new Hono<LocalWorkspaceEnv>();
  app.use("/serving-endpoints/*", requireToken(["model-serving"]));
  mountServingHandlers(app, dependencies);
  return app;
};
