import { type Tool, tool } from "ai";
import { z } from "zod";
import { auditToolCall } from "../audit/audit-log.js";
import type { GenieToolConfig } from "../config/schema.js";
import { GenieClient } from "../databricks/genie.js";
import type { GenieAdmission } from "../databricks/genie-admission.js";
import {
  askGenie,
  excerptResult,
  failedMessageReference,
  type GenieAnswer,
} from "../databricks/genie-answer.js";
import type { CellValue, TypedColumn } from "../databricks/statement-result.js";
import { WorkspaceClient } from "../databricks/workspace-client.js";
import { BehalfError, toBehalfError } from "../errors/errors.js";
import {
  type RequestScope,
  requireRequestScope,
} from "../identity/request-context.js";
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
  /** The row count in words, saying when and why rows were left out. */
  rowCountText?: string;
  /** Why rows are missing: the Genie API's 5,000-row cap, or the row budget sent to the model. */
  truncationReason?: "genie-api-row-cap" | "model-row-budget";
  /** Questions Genie asks the user before it can answer (purpose FOLLOW_UP_QUESTION). */
  clarifyingQuestions?: string[];
  suggestedQuestions?: string[];
  conversationId: string;
  messageId: string;
}

export interface GenieToolDependencies {
  host: string;
  fetch?: typeof fetch;
  /** The workspace's question queue, shared by all its Genie tools; without it questions go out at once. */
  admission?: GenieAdmission;
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
        dependencies.admission && {
          queue: dependencies.admission,
          userKey: scope.user.id,
          onQueued: (position) =>
            progress?.reportProgress({
              toolCallId,
              toolName: config.name,
              status: "QUEUED",
              data: { position },
            }),
        },
      );

      try {
        const answer = await askInConversation(
          scope,
          config.spaceId,
          (conversationId) =>
            askGenie(
              genie,
              { spaceId: config.spaceId, content: question, conversationId },
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
            ),
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
        const reference = failedMessageReference(error);
        auditToolCall({
          tool: config.name,
          toolCallId,
          resource: `genie_space:${config.spaceId}`,
          outcome: "error",
          errorCode: typed.code,
          durationMilliseconds: Date.now() - started,
          ...(reference === undefined
            ? {}
            : {
                facts: {
                  conversationId: reference.conversationId,
                  messageId: reference.messageId,
                },
              }),
        });
        throw typed;
      }
    },
  });
}

/**
 * Runs `ask` in the Genie conversation that the request's agent conversation uses for
 * `spaceId`: a follow-up when there is one, else a new Genie conversation, which later
 * questions of the agent conversation then continue, also when its first message
 * failed or the token expired while it was polled. Questions to one space run one at
 * a time so that parallel calls share one Genie conversation. Without an agent
 * conversation, each question starts a new Genie conversation.
 */
async function askInConversation(
  scope: RequestScope,
  spaceId: string,
  ask: (conversationId: string | undefined) => Promise<GenieAnswer>,
): Promise<GenieAnswer> {
  const conversation = scope.conversation;
  if (conversation === undefined) {
    return ask(undefined);
  }
  // Genie conversation ids are used only with their owner's token.
  if (conversation.ownerId !== scope.user.id) {
    throw new BehalfError(
      "INTERNAL_ERROR",
      `Conversation ${conversation.id} does not belong to the requesting user, so its Genie conversations were not used.`,
    );
  }

  return conversation.runExclusive(`genie:${spaceId}`, async () => {
    const conversationId = conversation.genieConversationId(spaceId);
    try {
      const answer = await ask(conversationId);
      conversation.rememberGenieConversation(
        spaceId,
        answer.reference.conversationId,
      );
      return answer;
    } catch (error) {
      // Genie no longer has the conversation, so the next question starts a new one.
      // The question is not resent here, because a POST that failed late may have been accepted.
      if (BehalfError.isInstance(error) && error.code === "NOT_FOUND") {
        if (conversationId !== undefined) {
          conversation.forgetGenieConversation(spaceId);
        }
        throw error;
      }
      // Genie created the message before the failure, so its conversation exists and
      // the next question, sent with a new token after a sign-in, continues it.
      const reference = failedMessageReference(error);
      if (reference !== undefined) {
        conversation.rememberGenieConversation(
          spaceId,
          reference.conversationId,
        );
      }
      throw error;
    }
  });
}

function toToolResult(space: string, answer: GenieAnswer): GenieToolResult {
  const excerpt =
    answer.result === undefined
      ? undefined
      : excerptResult(answer.result, modelRowBudget);

  return {
    space,
    status: answer.status,
    ...(answer.texts.length > 0 ? { text: answer.texts.join("\n\n") } : {}),
    // A clarifying question is Genie asking the user, not an answer; the model passes it on.
    ...(answer.clarifyingQuestions.length > 0
      ? { clarifyingQuestions: answer.clarifyingQuestions }
      : {}),
    ...(answer.query?.description
      ? { description: answer.query.description }
      : {}),
    ...(answer.query ? { sql: answer.query.sql } : {}),
    columns: answer.result?.columns ?? [],
    rows: excerpt?.rows ?? [],
    rowCount: excerpt?.rowCount ?? 0,
    ...(excerpt ? { rowCountText: excerpt.rowCountText } : {}),
    rowsShown: excerpt?.rowsShown ?? 0,
    truncated: excerpt?.truncated ?? false,
    ...(excerpt?.truncationReason
      ? { truncationReason: excerpt.truncationReason }
      : {}),
    ...(answer.suggestedQuestions.length > 0
      ? { suggestedQuestions: answer.suggestedQuestions }
      : {}),
    conversationId: answer.reference.conversationId,
    messageId: answer.reference.messageId,
  };
}
