/**
 * The Genie Conversation API without HTTP: space access, conversation ownership,
 * answering messages by example matching, and query results. Routes adapt it.
 */
import type {
  GenieSpaceDefinition,
  GenieSpacePermissionLevel,
  Principal,
  Warehouse,
  WorkspaceDefinition,
} from "../contracts.js";
import { loadAirportDirectory } from "./airport-directory.js";
import { answerMessage } from "./answer-message.js";
import { ConversationStore, findMessage } from "./conversation-store.js";
import { newGenieId } from "./identifiers.js";
import { statusAt } from "./message-status.js";
import {
  conversationView,
  type GenieMessageView,
  messageView,
  type ViewContext,
} from "./message-views.js";
import type { AirportDirectory } from "./parameter-values.js";
import {
  failedStatementResponse,
  runningStatementResponse,
  succeededStatementResponse,
} from "./statement-response.js";
import type { StoredConversation, StoredMessage } from "./stored-records.js";

/** The parts of a principal Genie needs: who owns what, and whose role runs the SQL. */
export type GeniePrincipal = Pick<Principal, "id" | "userName" | "groups">;

/** A request Genie rejects, with the HTTP status and Databricks error code to send. */
export class GenieRequestError extends Error {
  readonly status: 400 | 404;
  readonly errorCode: string;

  constructor(status: 400 | 404, errorCode: string, message: string) {
    super(message);
    this.name = "GenieRequestError";
    this.status = status;
    this.errorCode = errorCode;
  }
}

export interface GenieServiceOptions {
  /** How long each non-terminal message status lasts. With 0, a message moves on as soon as its work is done. */
  statusStepMilliseconds: number;
  /** Conversations kept in memory before the oldest is dropped. */
  maximumConversations?: number;
  /** Clock in milliseconds since the epoch, replaceable in tests. */
  now?: () => number;
}

/** Conversation titles are the first question, cut to this many characters. */
const maximumTitleLength = 255;

const permissionRanks: Record<GenieSpacePermissionLevel, number> = {
  CAN_VIEW: 0,
  CAN_RUN: 1,
  CAN_EDIT: 2,
  CAN_MANAGE: 3,
};

export class GenieService {
  readonly #definition: WorkspaceDefinition;
  readonly #warehouse: Warehouse;
  readonly #statusStepMilliseconds: number;
  readonly #now: () => number;
  readonly #conversations: ConversationStore;
  readonly #airportDirectories = new Map<string, Promise<AirportDirectory>>();
  readonly #pendingAnswers = new Map<string, Promise<void>>();

  constructor(
    definition: WorkspaceDefinition,
    warehouse: Warehouse,
    options: GenieServiceOptions,
  ) {
    this.#definition = definition;
    this.#warehouse = warehouse;
    this.#statusStepMilliseconds = options.statusStepMilliseconds;
    this.#now = options.now ?? Date.now;
    this.#conversations = new ConversationStore(options.maximumConversations);
  }

  startConversation(
    spaceId: string,
    principal: GeniePrincipal,
    content: unknown,
  ) {
    const space = this.#runnableSpace(spaceId, principal);
    const question = validateContent(content);
    const conversation: StoredConversation = {
      conversationId: newGenieId(),
      spaceId,
      ownerId: principal.id,
      title: question.slice(0, maximumTitleLength),
      createdAt: this.#now(),
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
    const space = this.#runnableSpace(spaceId, principal);
    const conversation = this.#ownedConversation(
      spaceId,
      conversationId,
      principal,
    );
    const question = validateContent(content);
    // NOTE: a follow-up is matched on its own words only, so "And in March?" does not
    // reuse the previous question's example the way Genie's model would.
    return this.#addMessage(space, conversation, principal, question);
  }

  getMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    principal: GeniePrincipal,
  ): GenieMessageView {
    const space = this.#runnableSpace(spaceId, principal);
    const message = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    return messageView(message, this.#viewContext(space));
  }

  getQueryResult(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId: string,
    principal: GeniePrincipal,
  ) {
    this.#runnableSpace(spaceId, principal);
    const message = this.#ownedMessage(
      spaceId,
      conversationId,
      messageId,
      principal,
    );
    const planned = message.plannedQuery;
    if (!planned || planned.attachmentId !== attachmentId) {
      throw new GenieRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Message ${messageId} has no query attachment ${attachmentId}.`,
      );
    }

    const { status } = statusAt(
      message,
      this.#now(),
      this.#statusStepMilliseconds,
    );
    const outcome = message.outcome;
    if (status === "COMPLETED" && outcome?.kind === "answered") {
      return {
        statement_response: succeededStatementResponse(
          planned.statementId,
          outcome.result,
          outcome.truncated,
        ),
      };
    }
    if (status === "FAILED" && outcome?.kind === "failed") {
      return {
        statement_response: failedStatementResponse(
          planned.statementId,
          outcome.errorClass,
          outcome.errorText,
        ),
      };
    }
    return {
      statement_response: runningStatementResponse(planned.statementId),
    };
  }

  /** Resolves once Genie has finished working on the message, so tests can wait for it. */
  async waitForAnswer(messageId: string): Promise<void> {
    await this.#pendingAnswers.get(messageId);
  }

  #addMessage(
    space: GenieSpaceDefinition,
    conversation: StoredConversation,
    principal: GeniePrincipal,
    question: string,
  ): GenieMessageView {
    const message: StoredMessage = {
      messageId: newGenieId(),
      conversationId: conversation.conversationId,
      spaceId: space.id,
      content: question,
      ownerId: principal.id,
      createdAt: this.#now(),
    };
    conversation.messages.push(message);

    // Genie starts work at once, and the status timing decides when clients see the result.
    const answer = answerMessage(message, space, principal, {
      warehouse: this.#warehouse,
      airports: () => this.#airportDirectory(space),
      now: this.#now,
    }).finally(() => this.#pendingAnswers.delete(message.messageId));
    this.#pendingAnswers.set(message.messageId, answer);

    return messageView(message, this.#viewContext(space), true);
  }

  /** Reads the space's airports once. A failed read is retried by the next question. */
  #airportDirectory(space: GenieSpaceDefinition): Promise<AirportDirectory> {
    let directory = this.#airportDirectories.get(space.id);
    if (!directory) {
      directory = loadAirportDirectory(
        space,
        this.#definition.tables,
        this.#warehouse,
      );
      directory.catch(() => this.#airportDirectories.delete(space.id));
      this.#airportDirectories.set(space.id, directory);
    }
    return directory;
  }

  /**
   * Returns the space when the principal may ask it questions. Databricks returns
   * RESOURCE_DOES_NOT_EXIST both for an unknown space and for one the caller cannot
   * run, so that space ids do not leak.
   */
  #runnableSpace(
    spaceId: string,
    principal: GeniePrincipal,
  ): GenieSpaceDefinition {
    const space = this.#definition.genieSpaces.find(
      (candidate) => candidate.id === spaceId,
    );
    const canRun = space?.permissions.some(
      (permission) =>
        (permission.principal === principal.userName ||
          principal.groups.includes(permission.principal)) &&
        permissionRanks[permission.level] >= permissionRanks.CAN_RUN,
    );
    if (!space || !canRun) {
      throw new GenieRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Genie space ${spaceId} does not exist or you do not have CAN_RUN permission on it.`,
      );
    }
    return space;
  }

  /** Conversations of other principals are reported as missing, as on Databricks. */
  #ownedConversation(
    spaceId: string,
    conversationId: string,
    principal: GeniePrincipal,
  ): StoredConversation {
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
    return conversation;
  }

  #ownedMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    principal: GeniePrincipal,
  ): StoredMessage {
    const conversation = this.#ownedConversation(
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
    return message;
  }

  #viewContext(space: GenieSpaceDefinition): ViewContext {
    return {
      now: this.#now(),
      statusStepMilliseconds: this.#statusStepMilliseconds,
      sampleQuestions: space.sampleQuestions,
    };
  }
}

function validateContent(content: unknown): string {
  if (typeof content !== "string" || content.trim() === "") {
    throw new GenieRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      "Field 'content' is required and must be a non-empty string.",
    );
  }
  return content;
}
