/**
 * JSON bodies of the Genie Conversation API (`GenieConversation`, `GenieMessage`,
 * `GenieAttachment`), built from stored records at the moment of the request.
 */
import {
  type GenieLatencyModel,
  statusWithExpiryAt,
} from "./message-status.js";
import type {
  PlannedQuery,
  StoredConversation,
  StoredMessage,
} from "./stored-records.js";

/** Text Genie sends when no example query of the space fits the question. */
export const unanswerableText =
  "Genie cannot answer that question from the data in this space. Try one of the suggested questions.";

export interface ViewContext {
  now: number;
  /** A latency model, or a fixed step in milliseconds. */
  latency: number | GenieLatencyModel;
  resultLifetimeMilliseconds: number;
  /** Sample questions of the space, for the `suggested_questions` attachment. */
  sampleQuestions: readonly string[];
}

/**
 * Databricks sends `user_id` as an int64. SCIM ids of the local workspace are
 * numeric strings, so they are sent as numbers when they fit; others stay strings.
 */
function userIdValue(ownerId: string): number | string {
  const numeric = Number(ownerId);
  return /^\d+$/.test(ownerId) && Number.isSafeInteger(numeric)
    ? numeric
    : ownerId;
}

export function conversationView(conversation: StoredConversation) {
  const lastMessage = conversation.messages.at(-1);
  return {
    id: conversation.conversationId,
    conversation_id: conversation.conversationId,
    space_id: conversation.spaceId,
    title: conversation.title,
    created_timestamp: conversation.createdAt,
    last_updated_timestamp: lastMessage?.createdAt ?? conversation.createdAt,
    user_id: userIdValue(conversation.ownerId),
  };
}

/** Builds a `GenieConversationSummary`, an item of the list-conversations route. */
export function conversationSummaryView(conversation: StoredConversation) {
  return {
    conversation_id: conversation.conversationId,
    title: conversation.title,
    created_timestamp: conversation.createdAt,
    agent_type: "GENIE_CONVERSATION_TYPE_CHAT",
  };
}

/**
 * Builds the message body for a poll at `context.now`. A message that was just
 * created is always SUBMITTED, whatever the step length, as on Databricks.
 */
export function messageView(
  message: StoredMessage,
  context: ViewContext,
  justCreated = false,
) {
  const { status, since } = justCreated
    ? { status: "SUBMITTED" as const, since: message.createdAt }
    : statusWithExpiryAt(
        message,
        context.now,
        context.latency,
        context.resultLifetimeMilliseconds,
      );

  const view = {
    id: message.messageId,
    message_id: message.messageId,
    conversation_id: message.conversationId,
    space_id: message.spaceId,
    content: message.content,
    status,
    created_timestamp: message.createdAt,
    last_updated_timestamp: since,
    user_id: userIdValue(message.ownerId),
    attachments: [] as object[],
    ...(message.feedback ? { feedback: { ...message.feedback } } : {}),
  };

  const planned = message.plannedQuery;
  const outcome = message.outcome;
  if (status === "EXECUTING_QUERY" && planned) {
    view.attachments.push(queryAttachment(planned, since));
    return view;
  }
  if (status === "FAILED" && outcome?.kind === "failed") {
    if (planned) {
      view.attachments.push(queryAttachment(planned, since));
    }
    return {
      ...view,
      error: { error: outcome.errorText, type: outcome.errorType },
    };
  }
  if (status !== "COMPLETED" && status !== "QUERY_RESULT_EXPIRED") {
    return view;
  }

  if (outcome?.kind === "answered" && planned) {
    const metadata = {
      row_count: outcome.result.rows.length,
      is_truncated: outcome.truncated,
    };
    view.attachments.push(queryAttachment(planned, since, metadata));
    view.attachments.push({
      attachment_id: outcome.textAttachmentId,
      text: {
        id: outcome.textAttachmentId,
        content: outcome.summary,
        purpose: "TEXT_ATTACHMENT_PURPOSE_ANSWER",
      },
    });
  }
  if (outcome?.kind === "unanswerable") {
    view.attachments.push({
      attachment_id: outcome.textAttachmentId,
      text: {
        id: outcome.textAttachmentId,
        content: unanswerableText,
        purpose: "TEXT_ATTACHMENT_PURPOSE_ANSWER",
      },
    });
    view.attachments.push({
      attachment_id: outcome.suggestionsAttachmentId,
      suggested_questions: { questions: [...context.sampleQuestions] },
    });
  }
  return view;
}

export type GenieMessageView = ReturnType<typeof messageView>;

function queryAttachment(
  planned: PlannedQuery,
  lastUpdated: number,
  resultMetadata?: { row_count: number; is_truncated: boolean },
) {
  return {
    attachment_id: planned.attachmentId,
    query: {
      id: planned.attachmentId,
      title: planned.title,
      description: planned.description,
      query: planned.displaySql,
      statement_id: planned.statementId,
      ...(resultMetadata ? { query_result_metadata: resultMetadata } : {}),
      parameters: planned.parameters.map((parameter) => ({
        keyword: parameter.name,
        sql_type: parameter.sqlType,
        value: parameter.value,
      })),
      last_updated_timestamp: lastUpdated,
    },
  };
}
