import { type Tool, tool } from "ai";
import { z } from "zod";
import { auditToolCall } from "../audit/audit-log.js";
import type { SqlToolConfig } from "../config/schema.js";
import type { CellValue, TypedColumn } from "../databricks/statement-result.js";
import {
  type RunStatementOptions,
  runStatement,
  type StatementRun,
} from "../databricks/statement-run.js";
import {
  StatementExecutionClient,
  StatementFailedError,
  type StatementParameter,
} from "../databricks/statements.js";
import { WorkspaceClient } from "../databricks/workspace-client.js";
import { InvalidRequestError, toBehalfError } from "../errors/errors.js";
import { requireRequestScope } from "../identity/request-context.js";
import { modelRowBudget } from "./genie-tool.js";
import { checkReadOnlyStatement } from "./read-only-sql.js";
import { readToolRunContext } from "./tool-context.js";

/**
 * Scopes a token must carry for the Statement Execution API: `sql`, which also covers
 * its `sql.*` children, or the narrower `sql.statement-execution` alone.
 */
export const sqlScopes = ["sql", "sql.statement-execution"] as const;

const parameterSchema = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      "must be the marker's name without the colon",
    )
    .describe("Name of the :name marker in the statement, without the colon."),
  value: z
    .union([z.string(), z.number(), z.boolean(), z.null()])
    .describe("The value; null for SQL NULL."),
  type: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_(), ]{0,39}$/, "must be a SQL type name")
    .optional()
    .describe(
      "Databricks SQL type of the value, such as INT, DATE or DECIMAL(10,2); STRING when left out.",
    ),
});

export const sqlToolInput = z.object({
  statement: z
    .string()
    .min(1)
    .describe(
      "One read-only Databricks SQL statement (SELECT, WITH, SHOW, DESCRIBE or EXPLAIN) with " +
        "fully qualified table names. Write values as :name markers and pass them in parameters.",
    ),
  parameters: z
    .array(parameterSchema)
    .max(256)
    .optional()
    .describe("Values for the statement's :name markers."),
});

/** The output the model receives from a successful statement. */
export interface SqlToolResult {
  warehouseId: string;
  statementId: string;
  state: "SUCCEEDED";
  sql: string;
  columns: TypedColumn[];
  rows: CellValue[][];
  /** Rows the statement returned, after the row limit. */
  rowCount: number;
  rowsShown: number;
  truncated: boolean;
  /** Why rows are missing: the tool's row limit cut the result, or only part was sent to the model. */
  truncationReason?: "row-limit" | "model-row-budget";
}

export interface SqlToolDependencies {
  host: string;
  fetch?: typeof fetch;
  /** Polling settings, replaceable in tests. */
  statementOptions?: Pick<
    RunStatementOptions,
    "waitTimeoutSeconds" | "pollDelay"
  >;
}

/**
 * A tool that runs one read-only statement on a SQL warehouse as the user who made the
 * request. The statement is checked before any request, and the user's credential is
 * read from the request scope when the tool runs, so the tool object stores no identity.
 */
export function createSqlTool(
  config: SqlToolConfig,
  dependencies: SqlToolDependencies,
): Tool {
  const resource = `sql_warehouse:${config.warehouseId}`;

  return tool({
    description: config.description,
    inputSchema: sqlToolInput,
    execute: async (
      { statement, parameters },
      { toolCallId, abortSignal, experimental_context },
    ) => {
      const started = Date.now();
      const progress = readToolRunContext(experimental_context);
      const report = (status: string, data: Record<string, unknown>) =>
        progress?.reportProgress({
          toolCallId,
          toolName: config.name,
          status,
          data,
        });

      try {
        const check = checkReadOnlyStatement(statement);
        if (!check.readOnly) {
          throw new InvalidRequestError(
            `The SQL tool did not run the statement: ${check.message}`,
            { details: { rule: check.rule } },
          );
        }

        const scope = requireRequestScope(`The SQL tool "${config.name}"`);
        const signal = abortSignal
          ? AbortSignal.any([abortSignal, scope.signal])
          : scope.signal;
        const client = new StatementExecutionClient(
          new WorkspaceClient({
            host: dependencies.host,
            authorization: () => scope.credential.authorizationHeader(),
            fetch: dependencies.fetch,
          }),
        );

        const run = await runStatement(
          client,
          {
            statement: check.statement,
            warehouseId: config.warehouseId,
            catalog: config.catalog,
            schema: config.schema,
            parameters: parameters?.map(toStatementParameter),
            rowLimit: config.rowLimit,
          },
          {
            ...dependencies.statementOptions,
            deadlineMilliseconds: config.deadlineSeconds * 1000,
            signal,
            onState: (state, statementId) => report(state, { statementId }),
          },
        );
        const result = toToolResult(config.warehouseId, check.statement, run);
        report("QUERY_RESULT", {
          sql: result.sql,
          statementId: result.statementId,
          rowCount: result.rowCount,
        });
        auditToolCall({
          tool: config.name,
          toolCallId,
          resource,
          outcome: "success",
          durationMilliseconds: Date.now() - started,
          facts: {
            statementId: run.statementId,
            rowCount: result.rowCount,
            truncated: result.truncated,
          },
        });
        return result;
      } catch (error) {
        const typed = toBehalfError(error);
        auditToolCall({
          tool: config.name,
          toolCallId,
          resource,
          outcome: "error",
          errorCode: typed.code,
          durationMilliseconds: Date.now() - started,
          ...(error instanceof StatementFailedError
            ? { facts: { statementId: error.statementId, state: error.state } }
            : {}),
        });
        throw typed;
      }
    },
  });
}

/** Converts each value to a string, as the API requires, and keeps `type` for the warehouse to parse it. */
function toStatementParameter(
  parameter: z.infer<typeof parameterSchema>,
): StatementParameter {
  return {
    name: parameter.name,
    value: parameter.value === null ? null : String(parameter.value),
    ...(parameter.type === undefined ? {} : { type: parameter.type }),
  };
}

function toToolResult(
  warehouseId: string,
  sql: string,
  run: StatementRun,
): SqlToolResult {
  const { result } = run;
  const shownRows = result.rows.slice(0, modelRowBudget);

  let truncationReason: SqlToolResult["truncationReason"];
  if (run.truncationReason !== undefined) {
    truncationReason = run.truncationReason;
  } else if (shownRows.length < result.rowCount) {
    truncationReason = "model-row-budget";
  }

  return {
    warehouseId,
    statementId: run.statementId,
    state: "SUCCEEDED",
    sql,
    columns: result.columns,
    rows: shownRows,
    rowCount: result.rowCount,
    rowsShown: shownRows.length,
    truncated: truncationReason !== undefined,
    ...(truncationReason ? { truncationReason } : {}),
  };
}
