/** Records of Genie conversations and messages, kept in memory between requests. */
import type { QueryParameter, QueryResult } from "../contracts.js";
import type { FilledParameter } from "./question-matching.js";

export interface StoredConversation {
  conversationId: string;
  spaceId: string;
  /** SCIM id of the principal who started it. Only that principal may read or extend it. */
  ownerId: string;
  title: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Creation order across the store, used for listing and page tokens. */
  sequence: number;
  /** Messages in the order they were asked. */
  messages: StoredMessage[];
}

/** The query Genie chose for a message, known once matching or the model has finished. */
export interface PlannedQuery {
  attachmentId: string;
  /** Changes when the query is run again with execute-query. */
  statementId: string;
  /** Short name of the query, shown above it. */
  title: string;
  /** One sentence on what the query computes. */
  description: string;
  /** The SQL that runs, with `:name` markers bound to `parameters`. */
  sql: string;
  /** Values filled in from the question; empty for SQL written by a model. */
  parameters: FilledParameter[];
  queryParameters: QueryParameter[];
  /** The SQL with parameter values written in, for display only. */
  displaySql: string;
}

export type MessageOutcome =
  | {
      kind: "answered";
      /** Rows after the 5,000-row cap. */
      result: QueryResult;
      truncated: boolean;
      /** Facts read off the result, for the text attachment. */
      summary: string;
      textAttachmentId: string;
      finishedAt: number;
      /** When execute-query last ran the query again; the result lifetime restarts then. */
      resultRefreshedAt?: number;
    }
  | {
      kind: "unanswerable";
      textAttachmentId: string;
      suggestionsAttachmentId: string;
      finishedAt: number;
    }
  | {
      kind: "failed";
      /** Genie `MessageErrorType`, such as `SQL_EXECUTION_EXCEPTION`. */
      errorType: string;
      /** Databricks error class of the statement, such as `INSUFFICIENT_PERMISSIONS`. */
      errorClass: string;
      errorText: string;
      finishedAt: number;
    }
  | { kind: "cancelled"; finishedAt: number };

export type AnsweredOutcome = Extract<MessageOutcome, { kind: "answered" }>;

export type FeedbackRating = "POSITIVE" | "NEGATIVE" | "NONE";

export interface StoredMessage {
  messageId: string;
  conversationId: string;
  spaceId: string;
  /** The question as asked. */
  content: string;
  ownerId: string;
  createdAt: number;
  /** Creation order across the store, used for listing and page tokens. */
  sequence: number;
  /**
   * The question as Genie understood it: the content, or for a follow-up such as
   * "And in March?" the previous question with the new values written in.
   */
  understoodQuestion?: string;
  /** Set when a query was chosen, before its SQL has finished. */
  plannedQuery?: PlannedQuery;
  /** Set when Genie's work on the message has finished. Clients may see it later because of the status timing. */
  outcome?: MessageOutcome;
  feedback?: { rating: FeedbackRating; comment?: string };
}
