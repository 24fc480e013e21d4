import { GenieMessageFailedError } from "../errors/errors.js";
import {
  clarifyingQuestionPurpose,
  type GenieClient,
  type GenieMessage,
  type GenieMessageReference,
} from "./genie.js";
import { readQueryResult } from "./genie-query-result.js";
import {
  type PollClock,
  type PollDelay,
  systemClock,
  waitForMessage,
} from "./genie-wait.js";
import type { TypedResult } from "./statement-result.js";

export {
  excerptResult,
  genieApiRowCap,
  type ResultExcerpt,
  type TruncationReason,
} from "./genie-query-result.js";

/**
 * Time limit for one answer when the caller sets none: well under the roughly 300 s
 * after which the Databricks Apps proxy ends a request.
 */
export const defaultGenieDeadlineMilliseconds = 120_000;

export interface GenieQuery {
  attachmentId: string;
  sql: string;
  description: string | undefined;
  title: string | undefined;
  /** Absent in some responses; the result is read by attachment id, so it is not needed. */
  statementId: string | undefined;
}

/** What Genie answered to one message, with the query result read and typed. */
export interface GenieAnswer {
  reference: GenieMessageReference;
  status: string;
  /** Every answer text attachment, in the order Genie sent them. */
  texts: string[];
  /**
   * Questions Genie asks back before it can answer (text attachments with purpose
   * FOLLOW_UP_QUESTION), kept apart from the answer texts.
   */
  clarifyingQuestions: string[];
  suggestedQuestions: string[];
  /** The last query attachment: Genie may correct itself within one message. */
  query: GenieQuery | undefined;
  result: TypedResult | undefined;
  /** True when the result had expired and its query was run again to read it. */
  queryRerun: boolean;
}

export interface AskOptions {
  /** Time limit for the whole answer, result included; default 120 s. */
  deadlineMilliseconds?: number;
  signal?: AbortSignal;
  /** Called once per status change, in order. */
  onStatus?: (status: string) => void;
  /** Replaces the default polling schedule, e.g. to poll quickly in tests. */
  pollDelay?: PollDelay;
  clock?: PollClock;
}

/**
 * Sends a question to a Genie space (a new conversation, or a follow-up when
 * `conversationId` is given), waits for the answer and reads its query result.
 * FAILED and CANCELLED end in GenieMessageFailedError with Genie's own error text and
 * type; an expired result is run again once. A 401 at any step ends in
 * AuthenticationError, the deadline in DeadlineExceededError and an abort in
 * CancelledError, with no request sent after either. Once Genie has created the
 * message, `failedMessageReference` returns it for any error this throws.
 */
export async function askGenie(
  genie: GenieClient,
  question: { spaceId: string; content: string; conversationId?: string },
  options: AskOptions = {},
): Promise<GenieAnswer> {
  const clock = options.clock ?? systemClock;
  const deadlineMilliseconds =
    options.deadlineMilliseconds ?? defaultGenieDeadlineMilliseconds;
  const sentAt = clock.now();
  const deadline = sentAt + deadlineMilliseconds;
  const callOptions = {
    signal: options.signal,
    deadline: Date.now() + deadlineMilliseconds,
  };

  const created =
    question.conversationId === undefined
      ? await genie.startConversation(
          question.spaceId,
          question.content,
          callOptions,
        )
      : await genie.createMessage(
          question.spaceId,
          question.conversationId,
          question.content,
          callOptions,
        );
  const reference: GenieMessageReference = {
    spaceId: created.spaceId,
    conversationId: created.conversationId,
    messageId: created.messageId,
  };

  try {
    return await readAnswer(genie, reference, {
      ...options,
      clock,
      sentAt,
      deadline,
      deadlineMilliseconds,
    });
  } catch (error) {
    if (typeof error === "object" && error !== null) {
      failedMessageReferences.set(error, reference);
    }
    throw error;
  }
}

/**
 * Messages that failed `askGenie` calls had created, keyed by the error each call threw.
 * A WeakMap attaches the reference without changing the error's class, body or message.
 */
const failedMessageReferences = new WeakMap<object, GenieMessageReference>();

/**
 * Returns the Genie message (space, conversation and message ids) that a failed
 * `askGenie` call had created, so the caller can continue that conversation. It is
 * undefined when the call failed before Genie created the message.
 */
export function failedMessageReference(
  error: unknown,
): GenieMessageReference | undefined {
  return typeof error === "object" && error !== null
    ? failedMessageReferences.get(error)
    : undefined;
}

/** Waits for a created message to end and reads its query result. */
async function readAnswer(
  genie: GenieClient,
  reference: GenieMessageReference,
  options: AskOptions & {
    clock: PollClock;
    sentAt: number;
    deadline: number;
    deadlineMilliseconds: number;
  },
): Promise<GenieAnswer> {
  const { clock, sentAt, deadline, deadlineMilliseconds } = options;
  const message = await waitForMessage(genie, reference, {
    deadlineMilliseconds,
    sentAt,
    signal: options.signal,
    onStatus: options.onStatus,
    pollDelay: options.pollDelay,
    clock,
  });
  if (message.status === "FAILED" || message.status === "CANCELLED") {
    throw failure(message);
  }

  const parts = readAttachments(message);
  let result: TypedResult | undefined;
  let queryRerun = false;
  const expired = message.status === "QUERY_RESULT_EXPIRED";
  if (parts.query !== undefined) {
    const read = await readQueryResult(
      {
        genie,
        reference,
        attachmentId: parts.query.attachmentId,
        deadline,
        clock,
        signal: options.signal,
      },
      expired,
    );
    result = read.result;
    queryRerun = read.rerun;
  } else if (expired) {
    throw new GenieMessageFailedError(
      "QUERY_RESULT_EXPIRED",
      `Genie reports that the result of message ${reference.messageId} has expired, and the message has no query to run again. Ask the question again.`,
    );
  }

  return {
    reference,
    status: message.status,
    ...parts,
    result,
    queryRerun,
  };
}

/** Sorts a message's attachments into answer texts, clarifying questions, suggestions and the last query. */
export function readAttachments(
  message: GenieMessage,
): Pick<
  GenieAnswer,
  "texts" | "clarifyingQuestions" | "suggestedQuestions" | "query"
> {
  const texts: string[] = [];
  const clarifyingQuestions: string[] = [];
  const suggestedQuestions: string[] = [];
  let query: GenieQuery | undefined;

  for (const attachment of message.attachments ?? []) {
    const text = attachment.text;
    if (text?.content) {
      if (text.purpose === clarifyingQuestionPurpose) {
        clarifyingQuestions.push(text.content);
      } else {
        texts.push(text.content);
      }
    }
    suggestedQuestions.push(
      ...(attachment.suggested_questions?.questions ?? []),
    );
    // NOTE: a query attachment without an attachment id cannot be read (the
    // query-result route needs one); its SQL is dropped with it.
    const attachmentId = attachment.attachment_id ?? attachment.query?.id;
    if (attachment.query?.query && attachmentId) {
      query = {
        attachmentId,
        sql: attachment.query.query,
        description: attachment.query.description,
        title: attachment.query.title,
        statementId: attachment.query.statement_id,
      };
    }
  }
  return { texts, clarifyingQuestions, suggestedQuestions, query };
}

function failure(message: GenieMessage): GenieMessageFailedError {
  const genieText = message.error?.error;
  if (message.status === "CANCELLED") {
    return new GenieMessageFailedError(
      "CANCELLED",
      `Genie cancelled the message before it finished${genieText ? `: ${withoutFinalPeriod(genieText)}` : ""}.`,
      message.error?.type,
    );
  }
  return new GenieMessageFailedError(
    "FAILED",
    `Genie could not answer: ${withoutFinalPeriod(genieText ?? "it reported FAILED without an error text")}.`,
    message.error?.type,
  );
}

function withoutFinalPeriod(text: string): string {
  return text.trim().replace(/\.+$/, "");
}
