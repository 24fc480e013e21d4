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
export const defaultMaxStoredConversations = 10_000;

/** Conversations one user keeps by default; beyond it their own oldest is dropped. */
export const defaultMaxConversationsPerUser = 100;

/**
 * A bounded in-memory store. Each user keeps at most `maxPerUser` records, so a busy user
 * drops their own oldest conversation and never anyone else's. `maxConversations` bounds
 * the whole store as a last resort. Records are lost when the process stops.
 */
export class InMemoryConversationStore implements ConversationStore {
  readonly #records = new Map<string, ConversationRecord>();
  /** Conversation ids per owner, least recently written first. */
  readonly #idsByOwner = new Map<string, Set<string>>();
  readonly #maxConversations: number;
  readonly #maxPerUser: number;

  constructor(
    maxConversations = defaultMaxStoredConversations,
    maxPerUser = defaultMaxConversationsPerUser,
  ) {
    for (const [name, value] of [
      ["maxConversations", maxConversations],
      ["maxPerUser", maxPerUser],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(
          `${name} must be a positive integer, got ${value}.`,
        );
      }
    }
    this.#maxConversations = maxConversations;
    this.#maxPerUser = maxPerUser;
  }

  async get(id: string): Promise<ConversationRecord | undefined> {
    const record = this.#records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  async put(record: ConversationRecord): Promise<void> {
    // Deleting first moves the id to the end of both insertion orders.
    this.#remove(record.id);
    this.#records.set(record.id, structuredClone(record));
    const owned = this.#idsByOwner.get(record.ownerId) ?? new Set<string>();
    owned.add(record.id);
    this.#idsByOwner.set(record.ownerId, owned);

    while (owned.size > this.#maxPerUser) {
      const oldest = owned.values().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#remove(oldest);
    }
    while (this.#records.size > this.#maxConversations) {
      const oldest = this.#records.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#remove(oldest);
    }
  }

  get size(): number {
    return this.#records.size;
  }

  /** Copies of every record, least recently written first, for inspection. */
  snapshot(): ConversationRecord[] {
    return [...this.#records.values()].map((record) => structuredClone(record));
  }

  #remove(id: string): void {
    const record = this.#records.get(id);
    if (record === undefined) {
      return;
    }
    this.#records.delete(id);
    const owned = this.#idsByOwner.get(record.ownerId);
    owned?.delete(id);
    if (owned?.size === 0) {
      this.#idsByOwner.delete(record.ownerId);
    }
  }
}
