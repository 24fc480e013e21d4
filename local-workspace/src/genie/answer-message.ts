/**
 * Answers one Genie message: matches the question to an example query, runs its SQL
 * as the asking principal and records the outcome on the stored message.
 */
import {
  type GenieSpaceDefinition,
  type Warehouse,
  WarehouseError,
} from "../contracts.js";
import type { GeniePrincipal } from "./genie-service.js";
import { newGenieId, newStatementId } from "./identifiers.js";
import type { AirportDirectory } from "./parameter-values.js";
import {
  type FilledParameter,
  matchQuestion,
  toQueryParameters,
} from "./question-matching.js";
import { summarizeResult } from "./result-summary.js";
import { capResultRows } from "./statement-response.js";
import type { MessageOutcome, StoredMessage } from "./stored-records.js";

/** Query titles are the question, cut to this many characters. */
const maximumTitleLength = 255;

export interface AnswerDependencies {
  warehouse: Warehouse;
  /** The space's airports, read once and shared by its messages. */
  airports: () => Promise<AirportDirectory>;
  now: () => number;
}

/**
 * Sets `message.plannedQuery` once an example matches and `message.outcome` when the
 * work ends. It never rejects, because every failure becomes a FAILED outcome.
 */
export async function answerMessage(
  message: StoredMessage,
  space: GenieSpaceDefinition,
  principal: GeniePrincipal,
  { warehouse, airports, now }: AnswerDependencies,
): Promise<void> {
  try {
    const match = matchQuestion(
      message.content,
      space.exampleQueries,
      await airports(),
    );
    if (!match) {
      message.outcome = {
        kind: "unanswerable",
        textAttachmentId: newGenieId(),
        suggestionsAttachmentId: newGenieId(),
        finishedAt: now(),
      };
      return;
    }

    message.plannedQuery = {
      match,
      attachmentId: newGenieId(),
      statementId: newStatementId(),
      title: message.content.slice(0, maximumTitleLength),
      displaySql: inlineParameters(match.example.sql, match.parameters),
    };
    const result = await warehouse.query(
      principal.userName,
      match.example.sql,
      toQueryParameters(match.parameters),
    );
    const capped = capResultRows(result);
    message.outcome = {
      kind: "answered",
      result: capped.result,
      truncated: capped.truncated,
      summary: summarizeResult(capped.result, capped.truncated),
      textAttachmentId: newGenieId(),
      finishedAt: now(),
    };
  } catch (error) {
    message.outcome = failedOutcome(error, now());
  }
}

/**
 * Writes parameter values into the SQL in place of their `:name` markers, for the
 * query shown to the user. The SQL that runs keeps the markers and binds values.
 */
export function inlineParameters(
  sql: string,
  parameters: readonly FilledParameter[],
): string {
  const valuesByName = new Map(
    parameters.map((parameter) => [parameter.name, parameter]),
  );
  return sql.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (marker, name: string) => {
    const parameter = valuesByName.get(name);
    if (!parameter) {
      return marker;
    }
    return parameter.sqlType === "INT"
      ? parameter.value
      : `'${parameter.value.replaceAll("'", "''")}'`;
  });
}

/**
 * Turns a failure into a FAILED message. SQL errors keep the warehouse's error class
 * and text, which name the table, as Genie shows them.
 */
function failedOutcome(error: unknown, finishedAt: number): MessageOutcome {
  if (error instanceof WarehouseError) {
    const prefix = `[${error.errorClass}]`;
    const errorText = error.message.startsWith(prefix)
      ? error.message
      : `${prefix} ${error.message}`;
    return {
      kind: "failed",
      errorType: "SQL_EXECUTION_EXCEPTION",
      errorClass: error.errorClass,
      errorText,
      finishedAt,
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return {
    kind: "failed",
    errorType: "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
    errorClass: "INTERNAL_ERROR",
    errorText: `Genie failed to process the question: ${detail}`,
    finishedAt,
  };
}
