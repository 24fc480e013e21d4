import type { ModelMessage } from "ai";

/**
 * One agent conversation. It contains no credential: the owner is a user id taken from the
 * token, and the history contains only what the model and the client already saw.
 */
export interface ConversationRecord {
  id: string;
  /** Workspace user id (SCIM `id`) of the user whose token created the conversation. */
  ownerId: string;
  createdAt: Date;
  updatedAt: Date;
  /** The Genie conversation id to continue, per Genie space id. */
  genieConversations: Record<string, string>;
  /** The history the next turn continues, normalized (see `normalizeHistory`). */
  messages: ModelMessage[];
}

/**
 * Storage for conversations. Records are read and written whole, and a record read
 * is a copy, so a database-backed store can take the in-memory one's place. Stores do
 * not check owners: `Conversations` does, before it hands a record out.
 */
export interface ConversationStore {
  get(id: string): Promise<ConversationRecord | undefined>;
  /** Inserts the record, or replaces the one with the same id. */
  put(record: ConversationRecord): Promise<void>;
}

/** Conversations an in-memory store keeps by default before it drops the least recently written. */
export const defaultMaxStoredConversations = 1000;

/**
 * A bounded in-memory store: it keeps at most `maxConversations` records and drops the
 * one written longest ago to make room. Records are lost when the process stops.
 */
export class InMemoryConversationStore implements ConversationStore {
  readonly #records = new Map<string, ConversationRecord>();
  readonly #maxConversations: number;

  constructor(maxConversations = defaultMaxStoredConversations) {
    if (!Number.isInteger(maxConversations) || maxConversations < 1) {
      throw new RangeError(
        `maxConversations must be a positive integer, got ${maxConversations}.`,
      );
    }
    this.#maxConversations = maxConversations;
  }

  async get(id: string): Promise<ConversationRecord | undefined> {
    const record = this.#records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  async put(record: ConversationRecord): Promise<void> {
    // Deleting first moves the id to the end of the Map's insertion order.
    this.#records.delete(record.id);
    this.#records.set(record.id, structuredClone(record));
    while (this.#records.size > this.#maxConversations) {
      const oldest = this.#records.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#records.delete(oldest);
    }
  }

  get size(): number {
    return this.#records.size;
  }

  /** Copies of every record, least recently written first, for inspection. */
  snapshot(): ConversationRecord[] {
    return [...this.#records.values()].map((record) => structuredClone(record));
  }
}
