/**
 * Genie's throughput limit: at most N questions per minute per workspace. Databricks
 * documents about 5 questions per minute on its free tier, and counts only the POSTs
 * that ask a question (start-conversation and create-message), not polling.
 */
import { GenieRequestError } from "./genie-request-error.js";

/** Questions per minute when the limit is switched on without a number. */
export const defaultQuestionsPerMinute = 5;

/** Length of the window questions are counted in, unless a test shortens it. */
export const defaultThroughputWindowMilliseconds = 60_000;

/** A sliding window, one minute by default, over the times of accepted questions. */
export class ThroughputLimit {
  readonly #questionsPerMinute: number;
  readonly #now: () => number;
  readonly #windowMilliseconds: number;
  readonly #acceptedAt: number[] = [];

  constructor(
    questionsPerMinute: number,
    now: () => number,
    windowMilliseconds = defaultThroughputWindowMilliseconds,
  ) {
    if (!Number.isInteger(questionsPerMinute) || questionsPerMinute < 1) {
      throw new RangeError(
        `The Genie throughput limit must be a positive whole number of questions per minute, got ${questionsPerMinute}.`,
      );
    }
    this.#questionsPerMinute = questionsPerMinute;
    this.#now = now;
    this.#windowMilliseconds = windowMilliseconds;
  }

  /**
   * Counts one question, or raises a 429 `REQUEST_LIMIT_EXCEEDED` whose
   * `retryAfterSeconds` is when the oldest counted question leaves the window.
   */
  admit(): void {
    const now = this.#now();
    while (
      this.#acceptedAt.length > 0 &&
      (this.#acceptedAt[0] ?? 0) <= now - this.#windowMilliseconds
    ) {
      this.#acceptedAt.shift();
    }

    const oldest = this.#acceptedAt[0];
    if (this.#acceptedAt.length >= this.#questionsPerMinute && oldest) {
      const waitMilliseconds = oldest + this.#windowMilliseconds - now;
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMilliseconds / 1000));
      // NOTE: the error code and text of Databricks' own 429 for Genie are not
      // documented; REQUEST_LIMIT_EXCEEDED is the code its REST APIs use for 429.
      throw new GenieRequestError(
        429,
        "REQUEST_LIMIT_EXCEEDED",
        `Genie accepts at most ${this.#questionsPerMinute} questions per ${this.#describeWindow()} in this workspace. Retry after ${retryAfterSeconds} seconds.`,
        retryAfterSeconds,
      );
    }
    this.#acceptedAt.push(now);
  }

  #describeWindow(): string {
    return this.#windowMilliseconds === defaultThroughputWindowMilliseconds
      ? "minute"
      : `${this.#windowMilliseconds / 1000} seconds`;
  }
}
