import { type Tool, tool } from "ai";
import { z } from "zod";
import { auditToolCall } from "../audit/audit-log.js";
import type { GenieToolConfig } from "../config/schema.js";
import { GenieClient } from "../databricks/genie.js";
import {
  askGenie,
  type GenieAnswer,
  genieApiRowCap,
} from "../databricks/genie-answer.js";
import type { CellValue, TypedColumn } from "../databricks/statement-result.js";
import { WorkspaceClient } from "../databricks/workspace-client.js";
import { toBehalfError } from "../errors/errors.js";
import { requireRequestScope } from "../identity/request-context.js";
import { readToolRunContext } from "./tool-context.js";

/** Rows of a Genie result the model sees at most; the total count is always given. */
export const modelRowBudget = 50;

/** Scopes a token must carry for the Genie Conversation API (either name works). */
export const genieScopes = ["genie", "dashboards.genie"] as const;

export const genieToolInput = z.object({
  question: z
    .string()
    .min(1)
    .describe(
      "The question for Genie in plain language, with every filter it needs (dates, places, names).",
    ),
});

/** What the model receives from a successful Genie call. */
export interface GenieToolResult {
  space: string;
  status: string;
  text?: string;
  description?: string;
  sql?: string;
  columns: TypedColumn[];
  rows: CellValue[][];
  rowCount: number;
  rowsShown: number;
  truncated: boolean;
  /** Why rows are missing: the Genie API's 5,000-row cap, or the row budget sent to the model. */
  truncationReason?: "genie-api-row-cap" | "model-row-budget";
  suggestedQuestions?: string[];
  conversationId: string;
  messageId: string;
}

export interface GenieToolDependencies {
  host: string;
  fetch?: typeof fetch;
}

/**
 * A tool that asks one Genie space a question as the user who made the request. The
 * user's credential is read from the request scope when the tool runs, so the tool
 * object itself holds no identity and is safe to share between requests.
 */
export function createGenieTool(
  config: GenieToolConfig,
  dependencies: GenieToolDependencies,
): Tool {
  return tool({
    description: config.description,
    inputSchema: genieToolInput,
    execute: async (
      { question },
      { toolCallId, abortSignal, experimental_context },
    ) => {
      const scope = requireRequestScope(`The Genie tool "${config.name}"`);
      const progress = readToolRunContext(experimental_context);
      const started = Date.now();
      const signal = abortSignal
        ? AbortSignal.any([abortSignal, scope.signal])
        : scope.signal;

      const genie = new GenieClient(
        new WorkspaceClient({
          host: dependencies.host,
          authorization: () => scope.credential.authorizationHeader(),
          fetch: dependencies.fetch,
        }),
      );

      try {
        const answer = await askGenie(
          genie,
          { spaceId: config.spaceId, content: question },
          {
            deadlineMilliseconds: config.deadlineSeconds * 1000,
            signal,
            onStatus: (status) =>
              progress?.reportProgress({
                toolCallId,
                toolName: config.name,
                status,
              }),
          },
        );
        const result = toToolResult(config.name, answer);
        if (result.sql !== undefined) {
          progress?.reportProgress({
            toolCallId,
            toolName: config.name,
            status: "QUERY_RESULT",
            data: { sql: result.sql, rowCount: result.rowCount },
          });
        }
        auditToolCall({
          tool: config.name,
          toolCallId,
          resource: `genie_space:${config.spaceId}`,
          outcome: "success",
          durationMilliseconds: Date.now() - started,
          facts: {
            conversationId: answer.reference.conversationId,
            messageId: answer.reference.messageId,
            rowCount: result.rowCount,
          },
        });
        return result;
      } catch (error) {
        const typed = toBehalfError(error);
        auditToolCall({
          tool: config.name,
          toolCallId,
          resource: `genie_space:${config.spaceId}`,
          outcome: "error",
          errorCode: typed.code,
          durationMilliseconds: Date.now() - started,
        });
        throw typed;
      }
    },
  });
}

function toToolResult(space: string, answer: GenieAnswer): GenieToolResult {
  const result = answer.result;
  const rows = result?.rows ?? [];
  const shown = rows.slice(0, modelRowBudget);
  const rowCount = result?.rowCount ?? 0;

  let truncationReason: GenieToolResult["truncationReason"];
  if (result?.truncated || rowCount > genieApiRowCap) {
    truncationReason = "genie-api-row-cap";
  } else if (shown.length < rowCount) {
    truncationReason = "model-row-budget";
  }

  return {
    space,
    status: answer.status,
    ...(answer.texts.length > 0 ? { text: answer.texts.join("\n\n") } : {}),
    ...(answer.query?.description
      ? { description: answer.query.description }
      : {}),
    ...(answer.query ? { sql: answer.query.sql } : {}),
    columns: result?.columns ?? [],
    rows: shown,
    rowCount,
    rowsShown: shown.length,
    truncated: truncationReason !== undefined,
    ...(truncationReason ? { truncationReason } : {}),
    ...(answer.suggestedQuestions.length > 0
      ? { suggestedQuestions: answer.suggestedQuestions }
      : {}),
    conversationId: answer.reference.conversationId,
    messageId: answer.reference.messageId,
  };
}
