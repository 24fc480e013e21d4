import { randomUUID } from "node:crypto";
import type { ModelMessage } from "ai";
import { InvalidRequestError, NotFoundError } from "../errors/errors.js";
import type { ConversationScope } from "../identity/request-context.js";
import { moduleLogger } from "../logging/logger.js";
import { normalizeHistory, trimHistory } from "./conversation-history.js";
import type {
  ConversationRecord,
  ConversationStore,
} from "./conversation-store.js";

const logger = moduleLogger("conversations");

/** Conversation ids clients may choose: letters, digits, `_`, `.`, `:` and `-`, at most 128. */
export const conversationIdPattern = /^[\w.:-]{1,128}$/;

/** Messages of history kept per conversation by default. Older turns are dropped first. */
export const defaultMaxHistoryMessages = 200;

export interface ConversationsOptions {
  maxHistoryMessages?: number;
}

/**
 * Agent conversations and their owners. The owner is always the user id from the
 * token, and nothing the client sends (such as `context.user_id`) can change it.
 */
export class Conversations {
  readonly #store: ConversationStore;
  readonly #maxHistoryMessages: number;

  constructor(store: ConversationStore, options: ConversationsOptions = {}) {
    this.#store = store;
    this.#maxHistoryMessages =
      options.maxHistoryMessages ?? defaultMaxHistoryMessages;
  }

  /**
   * Returns the conversation `id` of `ownerId`, a new one with that id when the id is
   * unused, or a new one with a fresh id when `id` is undefined. An id that belongs to
   * another user gives NotFoundError, and nothing of that conversation is read or sent.
   */
  async open(
    id: string | undefined,
    ownerId: string,
  ): Promise<ConversationRecord> {
    if (id !== undefined && !conversationIdPattern.test(id)) {
      throw new InvalidRequestError(
        `Invalid conversation id ${JSON.stringify(id.slice(0, 140))}: use 1 to 128 letters, digits, "_", ".", ":" or "-".`,
      );
    }

    if (id !== undefined) {
      const existing = await this.#store.get(id);
      if (existing !== undefined && existing.ownerId !== ownerId) {
        logger.warn(
          { conversationId: id, userId: ownerId },
          "conversation of another user requested",
        );
        throw new NotFoundError(
          `Conversation ${id} was not found. Continue one of your own conversations, or send no id to start a new one.`,
        );
      }
      if (existing !== undefined) {
        return existing;
      }
    }

    const now = new Date();
    return {
      id: id ?? randomUUID(),
      ownerId,
      createdAt: now,
      updatedAt: now,
      genieConversations: {},
      messages: [],
    };
  }

  /** Stores the conversation with its new history, normalized and trimmed. */
  async save(
    record: ConversationRecord,
    history: readonly ModelMessage[],
  ): Promise<void> {
    // NOTE: two turns of one conversation that run at the same time each write the
    // history they started from plus their own turn, so the later write drops the other turn.
    record.messages = trimHistory(
      normalizeHistory(history),
      this.#maxHistoryMessages,
    );
    record.updatedAt = new Date();
    await this.#store.put(record);
  }
}

/**
 * Returns the request-scope view of a conversation for the tools. Genie conversation ids
 * it learns are written to `record`, which `Conversations.save` stores at the end of
 * the turn.
 */
export function conversationScopeOf(
  record: ConversationRecord,
): ConversationScope {
  const queues = new Map<string, Promise<unknown>>();
  return {
    id: record.id,
    ownerId: record.ownerId,
    genieConversationId: (spaceId) => record.genieConversations[spaceId],
    rememberGenieConversation: (spaceId, genieConversationId) => {
      record.genieConversations[spaceId] = genieConversationId;
    },
    forgetGenieConversation: (spaceId) => {
      delete record.genieConversations[spaceId];
    },
    runExclusive: <T>(key: string, work: () => Promise<T>): Promise<T> => {
      const previous = queues.get(key) ?? Promise.resolve();
      const result = previous.then(work);
      queues.set(
        key,
        result.catch(() => undefined),
      );
      return result;
    },
  };
}
