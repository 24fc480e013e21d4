import { type Context, Hono } from "hono";
import { requireToken } from "../auth/require-token.js";
import type { LocalWorkspaceEnv, RouteFactory } from "../contracts.js";
import { sendDatabricksError } from "../http/databricks-error.js";
import { StatementRequestError } from "./statement-request.js";
import { StatementService } from "./statement-service.js";

const statementPath = "/api/2.0/sql/statements/:statementId";

/**
 * Statement Execution API routes: execute, get, result chunk and cancel. Each needs a
 * token with the `sql` scope (or an alias of it), and statements run as the caller.
 */
export const createStatementRoutes: RouteFactory = ({
  definition,
  warehouse,
  options,
}) => {
  const app = new Hono<LocalWorkspaceEnv>();
  const service = new StatementService(definition, warehouse, {
    queueMilliseconds: options.statementQueueMilliseconds ?? 0,
  });
  app.use("/api/2.0/sql/statements", requireToken(["sql"]));
  app.use("/api/2.0/sql/statements/*", requireToken(["sql"]));

  app.post("/api/2.0/sql/statements", (context) =>
    respond(context, async () =>
      service.execute(context.get("principal"), await readJson(context)),
    ),
  );
  app.get(statementPath, (context) =>
    respond(context, async () =>
      service.get(context.get("principal"), context.req.param("statementId")),
    ),
  );
  app.get(`${statementPath}/result/chunks/:chunkIndex`, (context) =>
    respond(context, async () =>
      service.getChunk(
        context.get("principal"),
        context.req.param("statementId"),
        context.req.param("chunkIndex"),
      ),
    ),
  );
  app.post(`${statementPath}/cancel`, (context) =>
    respond(context, async () =>
      service.cancel(
        context.get("principal"),
        context.req.param("statementId"),
      ),
    ),
  );
  return app;
};

async function respond(
  context: Context<LocalWorkspaceEnv>,
  produce: () => Promise<object>,
): Promise<Response> {
  try {
    return context.json(await produce());
  } catch (error) {
    if (error instanceof StatementRequestError) {
      return sendDatabricksError(
        context,
        error.status,
        error.errorCode,
        error.message,
      );
    }
    throw error;
  }
}

async function readJson(context: Context<LocalWorkspaceEnv>): Promise<unknown> {
  try {
    return await context.req.json();
  } catch {
    throw new StatementRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      "The request body must be a JSON object with 'statement' and 'warehouse_id'.",
    );
  }
}
