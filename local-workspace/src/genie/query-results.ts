/**
 * Query results of Genie messages: reading them while they are fresh, and running a
 * message's query again (execute-query) once they have expired.
 */
import { type Warehouse, WarehouseError } from "../contracts.js";
import { answeredOutcome } from "./answer-message.js";
import { GenieRequestError } from "./genie-request-error.js";
import { newStatementId } from "./identifiers.js";
import { statusWithExpiryAt } from "./message-status.js";
import type { ViewContext } from "./message-views.js";
import type { GeniePrincipal } from "./space-access.js";
import {
  failedStatementResponse,
  runningStatementResponse,
  succeededStatementResponse,
} from "./statement-response.js";
import type { PlannedQuery, StoredMessage } from "./stored-records.js";

export class QueryResults {
  readonly #warehouse: Warehouse;
  readonly #viewContext: () => ViewContext;

  constructor(warehouse: Warehouse, viewContext: () => ViewContext) {
    this.#warehouse = warehouse;
    this.#viewContext = viewContext;
  }

  /**
   * Returns `{statement_response}` for the message's query: SUCCEEDED or FAILED once
   * the message shows its end status, RUNNING before. An expired result raises a 400
   * that names execute-query.
   */
  read(message: StoredMessage, attachmentId: string) {
    const planned = requirePlannedQuery(message, attachmentId);
    const { status } = this.#statusOf(message);
    const outcome = message.outcome;

    if (status === "QUERY_RESULT_EXPIRED") {
      // NOTE: how Databricks reports an expired result on this route is not
      // documented; a 400 INVALID_STATE that points to execute-query is a guess.
      throw new GenieRequestError(
        400,
        "INVALID_STATE",
        `The query result of message ${message.messageId} has expired. Run the query again with POST .../messages/${message.messageId}/attachments/${attachmentId}/execute-query.`,
      );
    }
    if (status === "COMPLETED" && outcome?.kind === "answered") {
      return {
        statement_response: succeededStatementResponse(
          planned.statementId,
          outcome.result,
          outcome.truncated,
        ),
      };
    }
    if (status === "FAILED" && outcome?.kind === "failed") {
      return {
        statement_response: failedStatementResponse(
          planned.statementId,
          outcome.errorClass,
          outcome.errorText,
        ),
      };
    }
    return {
      statement_response: runningStatementResponse(planned.statementId),
    };
  }

  /**
   * Runs the message's query again as `principal` once the message has ended, and
   * returns the new statement. A success replaces the message's result and restarts
   * its lifetime. A SQL failure comes back as a FAILED statement and leaves the
   * message as it was.
   */
  async execute(
    message: StoredMessage,
    attachmentId: string,
    principal: GeniePrincipal,
    now: () => number,
  ) {
    const planned = requirePlannedQuery(message, attachmentId);
    const { status } = this.#statusOf(message);
    if (
      status !== "COMPLETED" &&
      status !== "QUERY_RESULT_EXPIRED" &&
      status !== "FAILED"
    ) {
      throw new GenieRequestError(
        400,
        "INVALID_STATE",
        `Message ${message.messageId} is still ${status}; poll it until it ends before running its query again.`,
      );
    }

    const statementId = newStatementId();
    let result: Awaited<ReturnType<Warehouse["query"]>>;
    try {
      result = await this.#warehouse.query(
        principal.userName,
        planned.sql,
        planned.queryParameters,
      );
    } catch (error) {
      if (error instanceof WarehouseError) {
        return {
          statement_response: failedStatementResponse(
            statementId,
            error.errorClass,
            error.message,
          ),
        };
      }
      throw error;
    }

    const finishedAt = now();
    const outcome = answeredOutcome(result, finishedAt);
    outcome.resultRefreshedAt = finishedAt;
    if (message.outcome?.kind === "answered") {
      outcome.textAttachmentId = message.outcome.textAttachmentId;
    }
    planned.statementId = statementId;
    message.outcome = outcome;
    return {
      statement_response: succeededStatementResponse(
        statementId,
        outcome.result,
        outcome.truncated,
      ),
    };
  }

  #statusOf(message: StoredMessage) {
    const context = this.#viewContext();
    return statusWithExpiryAt(
      message,
      context.now,
      context.latency,
      context.resultLifetimeMilliseconds,
    );
  }
}

function requirePlannedQuery(
  message: StoredMessage,
  attachmentId: string,
): PlannedQuery {
  const planned = message.plannedQuery;
  if (!planned || planned.attachmentId !== attachmentId) {
    throw new GenieRequestError(
      404,
      "RESOURCE_DOES_NOT_EXIST",
      `Message ${message.messageId} has no query attachment ${attachmentId}.`,
    );
  }
  return planned;
}
