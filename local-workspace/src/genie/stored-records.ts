/** Records of Genie conversations and messages, kept in memory between requests. */
import type { QueryResult } from "../contracts.js";
import type { ExampleMatch } from "./question-matching.js";

export interface StoredConversation {
  conversationId: string;
  spaceId: string;
  /** SCIM id of the principal who started it. Only that principal may read or extend it. */
  ownerId: string;
  title: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Messages in the order they were asked. */
  messages: StoredMessage[];
}

/** The query Genie chose for a message, known once matching has finished. */
export interface PlannedQuery {
  match: ExampleMatch;
  attachmentId: string;
  statementId: string;
  /** Short name of the query, shown above it. */
  title: string;
  /** The example SQL with parameter values written in, for display only. */
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
    };

export interface StoredMessage {
  messageId: string;
  conversationId: string;
  spaceId: string;
  /** The question as asked. */
  content: string;
  ownerId: string;
  createdAt: number;
  /** Set when a matching example was found, before its SQL has finished. */
  plannedQuery?: PlannedQuery;
  /** Set when Genie's work on the message has finished. Clients may see it later because of the status timing. */
  outcome?: MessageOutcome;
}
