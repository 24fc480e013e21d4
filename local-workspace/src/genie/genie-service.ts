/**
 * The Genie Conversation API without HTTP: space access, conversation ownership,
 * messages answered in the context of their conversation, history, feedback and
 * query results. Routes adapt it.
 */
import type {
  GenieSpaceDefinition,
  Warehouse,
  WorkspaceDefinition,
} from "../contracts.js";
import { AnswerScheduler } from "./answer-scheduler.js";
import { ConversationStore, findMessage } from "./conversation-store.js";
import { GenieRequestError } from "./genie-request-error.js";
import { newGenieId } from "./identifiers.js";
import {
  type MessageFaultSource,
  toMessageOutcome,
} from "./injected-outcomes.js";
import {
  listConversationPage,
  listMessagePage,
  listSpacePage,
  type PageQuery,
} from "./listings.js";
import {
  defaultResultLifetimeMilliseconds,
  type GenieLatencyModel,
  validateLatencyModel,
} from "./message-status.js";
import {
  conversationView,
  type GenieMessageView,
  messageView,
  type ViewContext,
} from "./message-views.js";
import { QueryResults } from "./query-results.js";
import { validateContent, validateFeedback } from "./request-validation.js";
import {
  type GeniePrincipal,
  requireSpace,
  spaceView,
} from "./space-access.js";
import type { GenieModelTarget } from "./sql-from-model.js";
import type { StoredConversation, StoredMessage } from "./stored-records.js";
import { ThroughputLimit } from "./throughput-limit.js";

export { GenieRequestError } from "./genie-request-error.js";
export type {
  InjectedMessageOutcome,
  MessageFaultSource,
} from "./injected-outcomes.js";
export type { GeniePrincipal } from "./space-access.js";

export interface GenieServiceOptions {
  /** How long each non-terminal message status lasts. With 0, a message moves on as soon as its work is done. */
  statusStepMilliseconds: number;
  /** Per-status durations with jitter; replaces `statusStepMilliseconds` when set. */
  latency?: GenieLatencyModel;
  /** How long a query result stays readable; defaults to one hour. */
  resultLifetimeMilliseconds?: number;
  /** Questions per minute across the workspace; unset means no limit. */
  questionsPerMinute?: number;
  /** Length of the window `questionsPerMinute` counts in; one minute unless a test shortens it. */
  throughputWindowMilliseconds?: number;
  /** Writes SQL with this model instead of matching example queries. */
  model?: GenieModelTarget;
  faults?: MessageFaultSource;
  /** Conversations kept in memory before the oldest is dropped. */
  maximumConversations?: number;
  /** Clock in milliseconds since the epoch, replaceable in tests. */
  now?: () => number;
}

/** Conversation titles are the first question, cut to this many characters. */
const maximumTitleLength = 255;

export class GenieService {
  readonly #definition: WorkspaceDefinition;
  readonly #latency: number | GenieLatencyModel;
  readonly #resultLifetimeMilliseconds: number;
  readonly #faults: MessageFaultSource | undefined;
  readonly #throughput: ThroughputLimit | undefined;
  readonly #now: () => number;
  readonly #conversations: ConversationStore;
  readonly #results: QueryResults;
  readonly #answers: AnswerScheduler;

  constructor(
    definition: WorkspaceDefinition,
    warehouse: Warehouse,
    options: GenieServiceOptions,
  ) {
    this.#definition = definition;
    if (options.latency) {
      validateLatencyModel(options.latency);
    }
    this.#latency = options.latency ?? options.statusStepMilliseconds;
    this.#resultLifetimeMilliseconds =
      options.resultLifetimeMilliseconds ?? defaultResultLifetimeMilliseconds;
    this.#faults = options.faults;
    this.#now = options.now ?? Date.now;
    this.#throughput =
      options.questionsPerMinute === undefined
        ? undefined
        : new ThroughputLimit(
            options.questionsPerMinute,
            this.#now,
            options.throughputWindowMilliseconds,
          );
    this.#conversations = new ConversationStore(options.maximumConversations);
    this.#results = new QueryResults(warehouse, () => this.#viewContext());
    this.#answers = new AnswerScheduler(
      definition,
      warehouse,
      options.model,
      this.#now,
    );
  }

  startConversation(
    spaceId: string,
    principal: GeniePrincipal,
    content: unknown,
  ) {
    const space = this.#runnableSpace(spaceId, principal);
    const question = validateContent(content);
    this.#throughput?.admit();
    const conversation: StoredConversation = {
      conversationId: newGenieId(),
      spaceId,
      ownerId: principal.id,
      title: question.slice(0, maximumTitleLength),
      createdAt: this.#now(),
      sequence: this.#conversations.nextSequence(),
      messages: [],
    };
    this.#conversations.add(conversation);
    const message = this.#addMessage(space, conversation, principal, question);
    return {
      conversation_id: conversation.conversationId,
      message_id: message.message_id,
      conversation: conversationView(conversation),
      message,
    };
  }

  createMessage(
    spaceId: string,
    conversationId: string,
    principal: GeniePrincipal,
    content: unknown,
  ): GenieMessageView {
    const { space, conversation } = this.#ownedConversation(
      spaceId,
      conversationId,
      principal,
    );
    const question = validateContent(content);
    this.#throughput?.admit();
    return this.#addMessage(space, conversation, principal, question);
  }

  getMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    principal: GeniePrincipal,
  ): GenieMessageView {
    const { space, message } = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    return messageView(message, this.#viewContext(space));
  }

  /** Lists a conversation's messages, newest first. */
  listMessages(
    spaceId: string,
    conversationId: string,
    principal: GeniePrincipal,
    page: PageQuery = {},
  ) {
    const { space, conversation } = this.#ownedConversation(
      spaceId,
      conversationId,
      principal,
    );
    return listMessagePage(conversation, this.#viewContext(space), page);
  }

  /**
   * Lists conversations of a space, most recent first: the caller's own, or with
   * `includeAll` every user's, which needs CAN_MANAGE on the space.
   */
  listConversations(
    spaceId: string,
    principal: GeniePrincipal,
    page: PageQuery & { includeAll?: boolean } = {},
  ) {
    const space = this.#runnableSpace(spaceId, principal);
    return listConversationPage(
      this.#conversations.listBySpace(spaceId),
      space,
      principal,
      page,
    );
  }

  deleteConversation(
    spaceId: string,
    conversationId: string,
    principal: GeniePrincipal,
  ): Record<string, never> {
    this.#ownedConversation(spaceId, conversationId, principal);
    this.#conversations.delete(conversationId);
    return {};
  }

  deleteMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    principal: GeniePrincipal,
  ): Record<string, never> {
    const { conversation, message } = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    conversation.messages.splice(conversation.messages.indexOf(message), 1);
    return {};
  }

  /** Stores a rating (POSITIVE, NEGATIVE or NONE) and an optional comment on a message. */
  sendFeedback(
    spaceId: string,
    conversationId: string,
    messageId: string,
    principal: GeniePrincipal,
    body: { rating?: unknown; comment?: unknown },
  ): Record<string, never> {
    const { message } = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    message.feedback = validateFeedback(body);
    return {};
  }

  getQueryResult(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId: string,
    principal: GeniePrincipal,
  ) {
    const { message } = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    return this.#results.read(message, attachmentId);
  }

  /** Runs the message's query again as `principal` and restarts its result lifetime. */
  executeQuery(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId: string,
    principal: GeniePrincipal,
  ) {
    const { message } = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    return this.#results.execute(message, attachmentId, principal, this.#now);
  }

  /** Lists the spaces on which the caller has CAN_VIEW or a higher level. */
  listSpaces(principal: GeniePrincipal, page: PageQuery = {}) {
    return listSpacePage(this.#definition, principal, page);
  }

  getSpace(spaceId: string, principal: GeniePrincipal) {
    return spaceView(
      requireSpace(this.#definition, spaceId, principal, "CAN_VIEW"),
    );
  }

  /** Resolves once Genie has finished working on the message, so tests can wait for it. */
  async waitForAnswer(messageId: string): Promise<void> {
    await this.#answers.waitFor(messageId);
  }

  #addMessage(
    space: GenieSpaceDefinition,
    conversation: StoredConversation,
    principal: GeniePrincipal,
    question: string,
  ): GenieMessageView {
    const history = [...conversation.messages];
    const message: StoredMessage = {
      messageId: newGenieId(),
      conversationId: conversation.conversationId,
      spaceId: space.id,
      content: question,
      ownerId: principal.id,
      createdAt: this.#now(),
      sequence: this.#conversations.nextSequence(),
    };
    conversation.messages.push(message);

    const injected = this.#faults?.takeMessageFault(
      space.id,
      principal.userName,
    );
    if (injected) {
      message.outcome = toMessageOutcome(injected, this.#now());
    } else {
      // Genie starts work at once, and the status timing decides when clients see the result.
      this.#answers.start(message, space, principal, history);
    }
    return messageView(message, this.#viewContext(space), true);
  }

  #runnableSpace(
    spaceId: string,
    principal: GeniePrincipal,
  ): GenieSpaceDefinition {
    return requireSpace(this.#definition, spaceId, principal, "CAN_RUN");
  }

  /**
   * Returns the conversation and its space when the principal may run the space and
   * started the conversation. Conversations of other principals are reported as
   * missing, as on Databricks.
   */
  #ownedConversation(
    spaceId: string,
    conversationId: string,
    principal: GeniePrincipal,
  ) {
    const space = this.#runnableSpace(spaceId, principal);
    const conversation = this.#conversations.get(conversationId);
    if (
      !conversation ||
      conversation.spaceId !== spaceId ||
      conversation.ownerId !== principal.id
    ) {
      throw new GenieRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Conversation ${conversationId} does not exist in Genie space ${spaceId}.`,
      );
    }
    return { space, conversation };
  }

  #ownedMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    principal: GeniePrincipal,
  ) {
    const { space, conversation } = this.#ownedConversation(
      spaceId,
      conversationId,
      principal,
    );
    const message = findMessage(conversation, messageId);
    if (!message) {
      throw new GenieRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Message ${messageId} does not exist in conversation ${conversationId}.`,
      );
    }
    return { space, conversation, message };
  }

  #viewContext(space?: GenieSpaceDefinition): ViewContext {
    return {
      now: this.#now(),
      latency: this.#latency,
      resultLifetimeMilliseconds: this.#resultLifetimeMilliseconds,
      sampleQuestions: space?.sampleQuestions ?? [],
    };
  }
}
