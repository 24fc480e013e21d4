import type { StoredConversation, StoredMessage } from "./stored-records.js";

/** Conversations kept by default. Databricks allows up to 10,000 per space. */
export const defaultMaximumConversations = 1000;

/**
 * In-memory Genie conversations. The store holds at most `maximumConversations`, and
 * adding one more drops the oldest, together with its messages and query results.
 */
export class ConversationStore {
  readonly #conversations = new Map<string, StoredConversation>();
  readonly #maximumConversations: number;

  constructor(maximumConversations = defaultMaximumConversations) {
    if (!Number.isInteger(maximumConversations) || maximumConversations < 1) {
      throw new RangeError(
        `maximumConversations must be a positive integer, got ${maximumConversations}`,
      );
    }
    this.#maximumConversations = maximumConversations;
  }

  add(conversation: StoredConversation): void {
    this.#conversations.set(conversation.conversationId, conversation);
    // Map iteration follows insertion order, so the first key is the oldest.
    while (this.#conversations.size > this.#maximumConversations) {
      const oldest = this.#conversations.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#conversations.delete(oldest);
    }
  }

  get(conversationId: string): StoredConversation | undefined {
    return this.#conversations.get(conversationId);
  }

  get size(): number {
    return this.#conversations.size;
  }
}

/** Finds a message of a conversation by id. */
export function findMessage(
  conversation: StoredConversation,
  messageId: string,
): StoredMessage | undefined {
  return conversation.messages.find(
    (message) => message.messageId === messageId,
  );
}
