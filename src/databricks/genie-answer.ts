import { GenieMessageFailedError } from "../errors/errors.js";
import type {
  GenieClient,
  GenieMessage,
  GenieMessageReference,
} from "./genie.js";
import { waitForMessage } from "./genie-wait.js";
import { type TypedResult, typeStatementResult } from "./statement-result.js";

/** Rows the Genie API returns at most for one query result. */
export const genieApiRowCap = 5000;

export interface GenieQuery {
  attachmentId: string;
  sql: string;
  description: string | undefined;
  title: string | undefined;
  statementId: string | undefined;
}

/** What Genie answered to one message, with the query result read and typed. */
export interface GenieAnswer {
  reference: GenieMessageReference;
  status: string;
  /** Every answer text attachment, in the order Genie sent them. */
  texts: string[];
  suggestedQuestions: string[];
  query: GenieQuery | undefined;
  result: TypedResult | undefined;
}

export interface AskOptions {
  deadlineMilliseconds: number;
  signal?: AbortSignal;
  onStatus?: (status: string) => void;
}

/**
 * Sends a question to a Genie space (a new conversation, or a follow-up when
 * `conversationId` is given), waits for the answer and reads its query result.
 * A message that ends FAILED, CANCELLED or with an expired result throws
 * GenieMessageFailedError with Genie's own error text.
 */
export async function askGenie(
  genie: GenieClient,
  question: { spaceId: string; content: string; conversationId?: string },
  options: AskOptions,
): Promise<GenieAnswer> {
  const reference =
    question.conversationId === undefined
      ? await genie.startConversation(
          question.spaceId,
          question.content,
          options.signal,
        )
      : await genie.createMessage(
          question.spaceId,
          question.conversationId,
          question.content,
          options.signal,
        );

  const message = await waitForMessage(genie, reference, options);
  if (message.status !== "COMPLETED") {
    throw failure(message);
  }
  return readAnswer(genie, reference, message, options.signal);
}

async function readAnswer(
  genie: GenieClient,
  reference: GenieMessageReference,
  message: GenieMessage,
  signal: AbortSignal | undefined,
): Promise<GenieAnswer> {
  const texts: string[] = [];
  const suggestedQuestions: string[] = [];
  let query: GenieQuery | undefined;

  for (const attachment of message.attachments ?? []) {
    if (attachment.text?.content) {
      texts.push(attachment.text.content);
    }
    suggestedQuestions.push(
      ...(attachment.suggested_questions?.questions ?? []),
    );
    // Genie may correct itself within one message; the last query is its final one.
    if (attachment.query?.query && attachment.attachment_id) {
      query = {
        attachmentId: attachment.attachment_id,
        sql: attachment.query.query,
        description: attachment.query.description,
        title: attachment.query.title,
        statementId: attachment.query.statement_id,
      };
    }
  }

  let result: TypedResult | undefined;
  if (query !== undefined) {
    const statement = await genie.getQueryResult(
      reference,
      query.attachmentId,
      signal,
    );
    result = typeStatementResult(statement);
  }

  return {
    reference,
    status: message.status,
    texts,
    suggestedQuestions,
    query,
    result,
  };
}

function failure(message: GenieMessage): GenieMessageFailedError {
  const genieText = message.error?.error;
  switch (message.status) {
    case "FAILED":
      return new GenieMessageFailedError(
        "FAILED",
        `Genie could not answer: ${withoutFinalPeriod(genieText ?? "it reported FAILED without an error text")}.`,
        message.error?.type,
      );
    case "CANCELLED":
      return new GenieMessageFailedError(
        "CANCELLED",
        "Genie cancelled the message before it finished.",
      );
    default:
      return new GenieMessageFailedError(
        message.status,
        `Genie ended the message with status ${message.status}${genieText ? `: ${withoutFinalPeriod(genieText)}` : ""}.`,
        message.error?.type,
      );
  }
}

function withoutFinalPeriod(text: string): string {
  return text.trim().replace(/\.+$/, "");
}
