import { uniqueId } from "./conversation-history.js";

/**
 * Keeps the tool call ids of a turn unique, also against the ids already in the history
 * the turn continues. Some models number their calls afresh in every response, and chat
 * endpoints reject a history in which one id is used twice. A repeated id is replaced
 * (`<id>_2`), and the results that follow use the replacement.
 */
export class ToolCallIds {
  readonly #used: Set<string>;
  readonly #current = new Map<string, string>();

  constructor(usedIds: Iterable<string>) {
    this.#used = new Set(usedIds);
  }

  /** Returns the id to publish for a new call with the model's id `modelId`. */
  forCall(modelId: string): string {
    const id = uniqueId(modelId, this.#used);
    this.#used.add(id);
    this.#current.set(modelId, id);
    return id;
  }

  /** Returns the published id of the latest call with the model's id `modelId`. */
  forResult(modelId: string): string {
    return this.#current.get(modelId) ?? modelId;
  }
}
