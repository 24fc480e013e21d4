import {
  BehalfError,
  MissingScopeError,
  NotFoundError,
  RateLimitError,
  UpstreamError,
} from "../errors/errors.js";
import type { GenieAdmission } from "./genie-admission.js";
import type { StatementResponse } from "./statement-result.js";
import type { RequestOptions, WorkspaceClient } from "./workspace-client.js";

/** Message statuses from the Genie API; other values may appear and are treated as in progress. */
export type GenieMessageStatus =
  | "SUBMITTED"
  | "FETCHING_METADATA"
  | "FILTERING_CONTEXT"
  | "ASKING_AI"
  | "PENDING_WAREHOUSE"
  | "EXECUTING_QUERY"
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "QUERY_RESULT_EXPIRED"
  | (string & {});

export const terminalStatuses: ReadonlySet<string> = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "QUERY_RESULT_EXPIRED",
]);

/** OAuth scope of the Genie Conversation API, and the name older workspaces use for it. */
const genieScope = "genie";
const legacyGenieScope = "dashboards.genie";

/** `text.purpose` of a text attachment in which Genie asks the user to clarify. */
export const clarifyingQuestionPurpose = "FOLLOW_UP_QUESTION";

export interface GenieAttachment {
  attachment_id?: string;
  text?: {
    id?: string;
    content?: string;
    /** `TEXT_ATTACHMENT_PURPOSE_ANSWER` or `FOLLOW_UP_QUESTION`. */
    purpose?: string;
    phase?: string;
  };
  query?: {
    id?: string;
    title?: string;
    description?: string;
    query?: string;
    statement_id?: string;
    query_result_metadata?: { row_count?: number; is_truncated?: boolean };
    parameters?: { keyword?: string; sql_type?: string; value?: string }[];
    last_updated_timestamp?: number;
  };
  suggested_questions?: { questions?: string[] };
  viz?: { query_attachment_id?: string; title?: string };
}

export interface GenieMessage {
  message_id?: string;
  id?: string;
  conversation_id: string;
  space_id?: string;
  content?: string;
  status: GenieMessageStatus;
  attachments?: GenieAttachment[];
  error?: { error?: string; type?: string };
  created_timestamp?: number;
  last_updated_timestamp?: number;
}

export interface GenieMessageReference {
  spaceId: string;
  conversationId: string;
  messageId: string;
}

/** A message as the POST that created it returned it. */
export interface CreatedMessage extends GenieMessageReference {
  /** The status in the POST's response, usually SUBMITTED. */
  status: string | undefined;
}

export interface GenieCallOptions {
  signal?: AbortSignal;
  /** Milliseconds since the epoch after which no request is sent. */
  deadline?: number;
}

/** The queue and user key with which a GenieClient waits for the workspace's question budget. */
export interface GenieQuestionAdmission {
  /** The admission queue shared by every Genie tool of the workspace. */
  queue: GenieAdmission;
  /** The asking user's SCIM id, which the queue shares the budget by. */
  userKey: string;
  /** Called with the question's place in the queue when it has to wait. */
  onQueued?: (position: number) => void;
}

interface StartConversationResponse {
  conversation_id?: string;
  message_id?: string;
  message?: GenieMessage;
}

const segment = encodeURIComponent;

/**
 * The Genie Conversation API calls behalf makes. Ids are path-encoded because some of
 * them may come from a model's tool arguments. A 404 names the space (and conversation)
 * that was asked for and nothing else: Databricks returns RESOURCE_DOES_NOT_EXIST both
 * for a missing space and for one the caller may not use. With `admission`, the two
 * POSTs that ask a question (start-conversation and create-message) first wait for the
 * workspace's question budget. The other calls do not count against it.
 */
export class GenieClient {
  readonly #client: WorkspaceClient;
  readonly #admission: GenieQuestionAdmission | undefined;

  constructor(client: WorkspaceClient, admission?: GenieQuestionAdmission) {
    this.#client = client;
    this.#admission = admission;
  }

  async startConversation(
    spaceId: string,
    content: string,
    options: GenieCallOptions = {},
  ): Promise<CreatedMessage> {
    const response = await this.#call({ spaceId }, () =>
      this.#askQuestion(options, () =>
        this.#client.post<StartConversationResponse>(
          `/api/2.0/genie/spaces/${segment(spaceId)}/start-conversation`,
          { content },
          requestOptions(`start a conversation in space ${spaceId}`, options),
        ),
      ),
    );
    const conversationId =
      response.conversation_id ?? response.message?.conversation_id;
    const messageId =
      response.message_id ??
      response.message?.message_id ??
      response.message?.id;
    return {
      spaceId,
      conversationId: requireId(conversationId, "conversation_id", spaceId),
      messageId: requireId(messageId, "message_id", spaceId),
      status: response.message?.status,
    };
  }

  async createMessage(
    spaceId: string,
    conversationId: string,
    content: string,
    options: GenieCallOptions = {},
  ): Promise<CreatedMessage> {
    const message = await this.#call({ spaceId, conversationId }, () =>
      this.#askQuestion(options, () =>
        this.#client.post<GenieMessage>(
          `${conversationPath(spaceId, conversationId)}/messages`,
          { content },
          requestOptions(
            `send a message to conversation ${conversationId}`,
            options,
          ),
        ),
      ),
    );
    return {
      spaceId,
      conversationId,
      messageId: requireId(
        message.message_id ?? message.id,
        "message_id",
        spaceId,
      ),
      status: message.status,
    };
  }

  getMessage(
    reference: GenieMessageReference,
    options: GenieCallOptions = {},
  ): Promise<GenieMessage> {
    return this.#call(reference, () =>
      this.#client.get<GenieMessage>(
        messagePath(reference),
        requestOptions(`get message ${reference.messageId}`, options),
      ),
    );
  }

  async getQueryResult(
    reference: GenieMessageReference,
    attachmentId: string,
    options: GenieCallOptions = {},
  ): Promise<StatementResponse> {
    const response = await this.#call(reference, () =>
      this.#client.get<{ statement_response?: StatementResponse }>(
        `${messagePath(reference)}/attachments/${segment(attachmentId)}/query-result`,
        requestOptions(
          `get the query result of message ${reference.messageId}`,
          options,
        ),
      ),
    );
    return response.statement_response ?? {};
  }

  /** Runs an attachment's query again, for a result that has expired. */
  async executeQuery(
    reference: GenieMessageReference,
    attachmentId: string,
    options: GenieCallOptions = {},
  ): Promise<StatementResponse> {
    const response = await this.#call(reference, () =>
      this.#client.post<{ statement_response?: StatementResponse }>(
        `${messagePath(reference)}/attachments/${segment(attachmentId)}/execute-query`,
        {},
        requestOptions(
          `run the query of message ${reference.messageId} again`,
          options,
        ),
      ),
    );
    return response.statement_response ?? {};
  }

  /**
   * Sends a question POST once the question budget has room, and keeps its place until
   * the response arrives (a POST that failed before leaving behalf still counts). A 429
   * pauses the budget for every user and puts the question back in the queue until its
   * deadline: Genie did not accept it, so sending it again cannot create a second message.
   */
  async #askQuestion<T>(
    options: GenieCallOptions,
    send: () => Promise<T>,
  ): Promise<T> {
    const admission = this.#admission;
    if (admission === undefined) {
      return send();
    }
    for (;;) {
      const place = await admission.queue.admit({
        userKey: admission.userKey,
        signal: options.signal,
        deadline: options.deadline,
        onQueued: admission.onQueued,
      });
      try {
        return await send();
      } catch (error) {
        // Without a deadline, nothing would end a run of 429s.
        if (
          !(error instanceof RateLimitError) ||
          options.deadline === undefined
        ) {
          throw error;
        }
        admission.queue.pause(error.retryAfterSeconds);
      } finally {
        place.release();
      }
    }
  }

  async #call<T>(
    target: { spaceId: string; conversationId?: string; messageId?: string },
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!BehalfError.isInstance(error)) {
        throw error;
      }
      if (error.code === "NOT_FOUND") {
        throw notFound(target, error);
      }
      if (
        error instanceof MissingScopeError &&
        error.missingScopes.length === 0
      ) {
        throw missingGenieScope(error);
      }
      throw error;
    }
  }
}

/**
 * Builds the 404 message from the ids the caller sent, leaving the workspace's text
 * out, so that it cannot name a resource the caller did not ask about.
 */
function notFound(
  target: { spaceId: string; conversationId?: string; messageId?: string },
  cause: BehalfError,
): NotFoundError {
  const details = { ...cause.details, ...target };
  if (target.conversationId === undefined) {
    return new NotFoundError(
      `The Genie space ${target.spaceId} does not exist or you have no access to it. ` +
        "Check tools.genie[].spaceId, or ask the space's owner for CAN RUN permission.",
      { details, cause },
    );
  }
  const message =
    target.messageId === undefined ? "" : ` or its message ${target.messageId}`;
  return new NotFoundError(
    `The Genie space ${target.spaceId}, its conversation ${target.conversationId}${message} does not exist, ` +
      "or you have no access to it (a conversation belongs to the user who started it). Start a new conversation.",
    { details, cause },
  );
}

/** Names the Genie scope when the workspace's 403 did not say which scope is missing. */
function missingGenieScope(cause: MissingScopeError): MissingScopeError {
  return new MissingScopeError(
    [genieScope],
    `${cause.message} The Genie Conversation API needs the scope ${genieScope} (${legacyGenieScope} in older workspaces). ` +
      "Add it to the app's user API scopes and sign in again.",
    { details: cause.details, cause },
  );
}

function requestOptions(
  operation: string,
  options: GenieCallOptions,
): RequestOptions {
  return {
    service: "Genie",
    operation,
    signal: options.signal,
    deadline: options.deadline,
  };
}

function requireId(
  value: string | undefined,
  field: string,
  spaceId: string,
): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new UpstreamError(
      `Genie accepted the question in space ${spaceId} but its response has no ${field}, so the answer cannot be read.`,
    );
  }
  return value;
}

function conversationPath(spaceId: string, conversationId: string): string {
  return `/api/2.0/genie/spaces/${segment(spaceId)}/conversations/${segment(conversationId)}`;
}

function messagePath(reference: GenieMessageReference): string {
  return `${conversationPath(reference.spaceId, reference.conversationId)}/messages/${segment(reference.messageId)}`;
}
