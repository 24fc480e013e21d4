/**
 * Starts Genie's work on new messages. Messages of one conversation are answered one
 * at a time, so a follow-up can build on the finished answer to the question before it.
 */
import type {
  GenieSpaceDefinition,
  Warehouse,
  WorkspaceDefinition,
} from "../contracts.js";
import { loadAirportDirectory } from "./airport-directory.js";
import { answerMessage } from "./answer-message.js";
import type { AirportDirectory } from "./parameter-values.js";
import type { GeniePrincipal } from "./space-access.js";
import type { GenieModelTarget } from "./sql-from-model.js";
import type { StoredMessage } from "./stored-records.js";

export class AnswerScheduler {
  readonly #definition: WorkspaceDefinition;
  readonly #warehouse: Warehouse;
  readonly #model: GenieModelTarget | undefined;
  readonly #now: () => number;
  readonly #airportDirectories = new Map<string, Promise<AirportDirectory>>();
  readonly #pendingAnswers = new Map<string, Promise<void>>();
  /** The last answer started in each conversation; the next one waits for it. */
  readonly #conversationTails = new Map<string, Promise<void>>();

  constructor(
    definition: WorkspaceDefinition,
    warehouse: Warehouse,
    model: GenieModelTarget | undefined,
    now: () => number,
  ) {
    this.#definition = definition;
    this.#warehouse = warehouse;
    this.#model = model;
    this.#now = now;
  }

  /**
   * Answers `message` once the conversation's earlier answers have finished.
   * `history` is the conversation's earlier messages, oldest first.
   */
  start(
    message: StoredMessage,
    space: GenieSpaceDefinition,
    principal: GeniePrincipal,
    history: readonly StoredMessage[],
  ): void {
    const conversationId = message.conversationId;
    const previous = this.#conversationTails.get(conversationId);
    const answer = (previous ?? Promise.resolve())
      .then(() =>
        answerMessage(message, space, principal, {
          warehouse: this.#warehouse,
          airports: () => this.#airportDirectory(space),
          now: this.#now,
          tables: this.#definition.tables,
          model: this.#model,
          history,
        }),
      )
      .finally(() => {
        this.#pendingAnswers.delete(message.messageId);
        if (this.#conversationTails.get(conversationId) === answer) {
          this.#conversationTails.delete(conversationId);
        }
      });
    this.#pendingAnswers.set(message.messageId, answer);
    this.#conversationTails.set(conversationId, answer);
  }

  /** Resolves once Genie has finished working on the message. */
  async waitFor(messageId: string): Promise<void> {
    await this.#pendingAnswers.get(messageId);
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
}
