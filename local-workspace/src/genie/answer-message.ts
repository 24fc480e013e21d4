/**
 * Answers one Genie message. A model writes the query when one is configured;
 * otherwise the question is matched to the space's example queries in the context of
 * the conversation. The query runs as the asking principal, and the outcome is
 * recorded on the stored message.
 */
import {
  type GenieSpaceDefinition,
  type TableDefinition,
  type Warehouse,
  WarehouseError,
} from "../contracts.js";
import { matchInConversation } from "./follow-up-questions.js";
import { newGenieId, newStatementId } from "./identifiers.js";
import type { AirportDirectory } from "./parameter-values.js";
import {
  type FilledParameter,
  toQueryParameters,
} from "./question-matching.js";
import { summarizeResult } from "./result-summary.js";
import type { GeniePrincipal } from "./space-access.js";
import {
  buildSqlPrompt,
  extractReadOnlyQuery,
  type GenieModelTarget,
  ModelSqlError,
  requestCompletion,
} from "./sql-from-model.js";
import { capResultRows } from "./statement-response.js";
import type {
  AnsweredOutcome,
  MessageOutcome,
  PlannedQuery,
  StoredMessage,
} from "./stored-records.js";

/** Query titles are the question, cut to this many characters. */
const maximumTitleLength = 255;

export interface AnswerDependencies {
  warehouse: Warehouse;
  /** The space's airports, read once and shared by its messages. */
  airports: () => Promise<AirportDirectory>;
  now: () => number;
  /** Every table of the workspace, of which the prompt describes the space's own. */
  tables: readonly TableDefinition[];
  /** Set when Genie writes SQL with a model instead of matching examples. */
  model: GenieModelTarget | undefined;
  /** The earlier messages of the conversation, oldest first, all finished. */
  history: readonly StoredMessage[];
}

/**
 * Sets `message.plannedQuery` once a query is chosen and `message.outcome` when the
 * work ends. It never rejects, because every failure becomes a FAILED outcome.
 */
export async function answerMessage(
  message: StoredMessage,
  space: GenieSpaceDefinition,
  principal: GeniePrincipal,
  dependencies: AnswerDependencies,
): Promise<void> {
  const { warehouse, now } = dependencies;
  try {
    const planned = dependencies.model
      ? await planWithModel(message, space, dependencies.model, dependencies)
      : await planFromExamples(message, space, dependencies);
    if (!planned) {
      message.outcome = {
        kind: "unanswerable",
        textAttachmentId: newGenieId(),
        suggestionsAttachmentId: newGenieId(),
        finishedAt: now(),
      };
      return;
    }

    message.plannedQuery = planned;
    const result = await warehouse.query(
      principal.userName,
      planned.sql,
      planned.queryParameters,
    );
    message.outcome = answeredOutcome(result, now());
  } catch (error) {
    message.outcome = failedOutcome(error, now());
  }
}

/** Builds the outcome of a finished query, cut to the 5,000-row cap. */
export function answeredOutcome(
  result: Awaited<ReturnType<Warehouse["query"]>>,
  finishedAt: number,
): AnsweredOutcome {
  const capped = capResultRows(result);
  return {
    kind: "answered",
    result: capped.result,
    truncated: capped.truncated,
    summary: summarizeResult(capped.result, capped.truncated),
    textAttachmentId: newGenieId(),
    finishedAt,
  };
}

async function planFromExamples(
  message: StoredMessage,
  space: GenieSpaceDefinition,
  dependencies: AnswerDependencies,
): Promise<PlannedQuery | undefined> {
  const previous = [...dependencies.history]
    .reverse()
    .find((earlier) => earlier.plannedQuery && earlier.understoodQuestion);
  const contextual = matchInConversation(
    message.content,
    previous?.understoodQuestion,
    space.exampleQueries,
    await dependencies.airports(),
  );
  if (!contextual) {
    return undefined;
  }

  const { match, understoodQuestion } = contextual;
  message.understoodQuestion = understoodQuestion;
  return {
    attachmentId: newGenieId(),
    statementId: newStatementId(),
    title: understoodQuestion.slice(0, maximumTitleLength),
    description: match.example.description,
    sql: match.example.sql,
    parameters: match.parameters,
    queryParameters: toQueryParameters(match.parameters),
    displaySql: inlineParameters(match.example.sql, match.parameters),
  };
}

async function planWithModel(
  message: StoredMessage,
  space: GenieSpaceDefinition,
  model: GenieModelTarget,
  dependencies: AnswerDependencies,
): Promise<PlannedQuery> {
  const history = dependencies.history.map((earlier) => ({
    question: earlier.content,
    sql: earlier.plannedQuery?.displaySql,
  }));
  const prompt = buildSqlPrompt(
    space,
    dependencies.tables,
    history,
    message.content,
  );
  const sql = extractReadOnlyQuery(await requestCompletion(model, prompt));
  message.understoodQuestion = message.content;
  return {
    attachmentId: newGenieId(),
    statementId: newStatementId(),
    title: message.content.slice(0, maximumTitleLength),
    description: `Query written by ${model.modelName} from the space's tables and instructions.`,
    sql,
    parameters: [],
    queryParameters: [],
    displaySql: sql,
  };
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
export function failedOutcome(
  error: unknown,
  finishedAt: number,
): MessageOutcome {
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
  if (error instanceof ModelSqlError) {
    return {
      kind: "failed",
      errorType: error.errorType,
      errorClass: error.errorType,
      errorText: error.message,
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
