import type { StatementResponse } from "./statement-result.js";
import type { WorkspaceClient } from "./workspace-client.js";

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

export interface GenieAttachment {
  attachment_id?: string;
  text?: { id?: string; content?: string; purpose?: string };
  query?: {
    id?: string;
    title?: string;
    description?: string;
    query?: string;
    statement_id?: string;
    query_result_metadata?: { row_count?: number; is_truncated?: boolean };
  };
  suggested_questions?: { questions?: string[] };
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

interface StartConversationResponse {
  conversation_id: string;
  message_id: string;
}

const segment = encodeURIComponent;

/**
 * The Genie Conversation API calls behalf makes. Ids are path-encoded because some of
 * them may come from a model's tool arguments.
 */
export class GenieClient {
  readonly #client: WorkspaceClient;

  constructor(client: WorkspaceClient) {
    this.#client = client;
  }

  async startConversation(
    spaceId: string,
    content: string,
    signal?: AbortSignal,
  ): Promise<GenieMessageReference> {
    const response = await this.#client.post<StartConversationResponse>(
      `/api/2.0/genie/spaces/${segment(spaceId)}/start-conversation`,
      { content },
      {
        service: "Genie",
        operation: `start a conversation in space ${spaceId}`,
        signal,
      },
    );
    return {
      spaceId,
      conversationId: response.conversation_id,
      messageId: response.message_id,
    };
  }

  async createMessage(
    spaceId: string,
    conversationId: string,
    content: string,
    signal?: AbortSignal,
  ): Promise<GenieMessageReference> {
    const message = await this.#client.post<GenieMessage>(
      `/api/2.0/genie/spaces/${segment(spaceId)}/conversations/${segment(conversationId)}/messages`,
      { content },
      {
        service: "Genie",
        operation: `send a message to conversation ${conversationId}`,
        signal,
      },
    );
    return {
      spaceId,
      conversationId,
      messageId: message.message_id ?? message.id ?? "",
    };
  }

  getMessage(
    reference: GenieMessageReference,
    signal?: AbortSignal,
  ): Promise<GenieMessage> {
    return this.#client.get<GenieMessage>(messagePath(reference), {
      service: "Genie",
      operation: `get message ${reference.messageId}`,
      signal,
    });
  }

  async getQueryResult(
    reference: GenieMessageReference,
    attachmentId: string,
    signal?: AbortSignal,
  ): Promise<StatementResponse> {
    const response = await this.#client.get<{
      statement_response?: StatementResponse;
    }>(
      `${messagePath(reference)}/attachments/${segment(attachmentId)}/query-result`,
      {
        service: "Genie",
        operation: `get the query result of message ${reference.messageId}`,
        signal,
      },
    );
    return response.statement_response ?? {};
  }
}

function messagePath(reference: GenieMessageReference): string {
  return (
    `/api/2.0/genie/spaces/${segment(reference.spaceId)}` +
    `/conversations/${segment(reference.conversationId)}/messages/${segment(reference.messageId)}`
  );
}
