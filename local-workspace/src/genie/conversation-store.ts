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
  #lastSequence = 0;

  constructor(maximumConversations = defaultMaximumConversations) {
    if (!Number.isInteger(maximumConversations) || maximumConversations < 1) {
      throw new RangeError(
        `maximumConversations must be a positive integer, got ${maximumConversations}`,
      );
    }
    this.#maximumConversations = maximumConversations;
  }

  /** Returns the next creation sequence number for a conversation or message. */
  nextSequence(): number {
    this.#lastSequence += 1;
    return this.#lastSequence;
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

  delete(conversationId: string): boolean {
    return this.#conversations.delete(conversationId);
  }

  /** Returns the conversations of a space, newest first. */
  listBySpace(spaceId: string): StoredConversation[] {
    return [...this.#conversations.values()]
      .filter((conversation) => conversation.spaceId === spaceId)
      .sort((first, second) => second.sequence - first.sequence);
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
