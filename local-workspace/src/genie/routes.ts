import { Hono } from "hono";
import { requireToken } from "../auth/require-token.js";
import type { LocalWorkspaceEnv, RouteFactory } from "../contracts.js";
import { GenieService } from "./genie-service.js";
import { mountGenieHandlers } from "./http-handlers.js";

/** Model name Genie sends when the workspace names none. */
export const defaultGenieModelName = "genie";

/** Genie Conversation API routes. Each needs a token with the `genie` scope or an alias of it. */
export const createGenieRoutes: RouteFactory = ({
  definition,
  warehouse,
  options,
  faults,
}) => {
  const app = new Hono<LocalWorkspaceEnv>();
  app.use("/api/2.0/genie/*", requireToken(["genie"]));

  const usesModel = options.genieUsesModel ?? options.modelUrl !== undefined;
  const service = new GenieService(definition, warehouse, {
    statusStepMilliseconds: options.genieStatusStepMilliseconds,
    latency: options.genieLatency,
    resultLifetimeMilliseconds:
      options.genieResultLifetimeSeconds === undefined
        ? undefined
        : options.genieResultLifetimeSeconds * 1000,
    questionsPerMinute: options.genieQuestionsPerMinute,
    throughputWindowMilliseconds: options.genieThroughputWindowMilliseconds,
    model:
      usesModel && options.modelUrl
        ? {
            modelUrl: options.modelUrl,
            modelApiKey: options.modelApiKey,
            modelName: options.modelName ?? defaultGenieModelName,
          }
        : undefined,
    faults,
  });
  mountGenieHandlers(app, service);
  return app;
};
