/**
 * Fair sharing of Genie's question budget. Databricks limits Genie to a few questions per
 * minute per workspace and counts only the POSTs that ask one (start-conversation and
 * create-message), so every Genie tool of a server waits here before sending such a POST.
 */
import { CancelledError, DeadlineExceededError } from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";

const logger = moduleLogger("genie-admission");

/** Length of the sliding window the budget is counted in, because Genie's limit is per minute. */
export const defaultWindowMilliseconds = 60_000;

/**
 * Pause after a 429 that has no usable `Retry-After`. NOTE: Databricks does not document a
 * `Retry-After` on Genie's 429; this guess is one minute divided by the documented budget of
 * about five questions, the mean time until a place frees up when the budget is fully used.
 */
export const defaultPauseMilliseconds = 12_000;

/** Maximum pause a `Retry-After` may set, because a per-minute budget frees a place within a minute. */
export const maximumPauseMilliseconds = 60_000;

export interface GenieAdmissionOptions {
  /**
   * Question POSTs sent at most per window. Unset means no local limit: questions go out
   * at once, and only the workspace's 429s pause the queue.
   */
  questionsPerMinute?: number;
  /** Window length in milliseconds, 60,000 by default; tests shorten it. */
  windowMilliseconds?: number;
}

export interface AdmissionRequest {
  /** Key the budget is shared by: the asking user's SCIM id, never a token. */
  userKey: string;
  signal?: AbortSignal;
  /** Milliseconds since the epoch; a question still waiting then leaves the queue with an error. */
  deadline?: number;
  /** Called once, with the 1-based place in the sending order, when the question has to wait. */
  onQueued?: (position: number) => void;
}

/** A question's claim on the budget while its POST is in flight. */
export interface Admission {
  /**
   * Ends the claim once the POST's response has arrived or the request has failed. The
   * window counts the question from then on, because the workspace counts it from when the
   * request arrived, which is before the response but may be later than the send.
   */
  release(): void;
}

/** A waiting question as the queue stores it: plain data and the waiting promise's callbacks. */
interface WaitingQuestion {
  readonly userKey: string;
  readonly queuedAt: number;
  readonly deadline: number | undefined;
  readonly admit: () => void;
  readonly expire: () => void;
  readonly cancel: () => void;
}

/** A question sent within the window; `releasedAt` is unset while its POST is in flight. */
interface SentQuestion {
  releasedAt: number | undefined;
}

/** A view of the queue for tests and diagnostics. */
export interface AdmissionState {
  /** Data fields of each waiting question, in the order the questions will be sent. */
  waiting: Record<string, unknown>[];
  /** Question POSTs in flight. */
  inFlight: number;
  /** Questions the current window counts, those in flight included. */
  counted: number;
  /** Milliseconds since the epoch until which a 429 paused the queue, if it is paused. */
  pausedUntil: number | undefined;
}

/** A question waited for Genie's question budget until its deadline and was never sent. */
export class GenieAdmissionTimeoutError extends DeadlineExceededError {
  readonly waitedMilliseconds: number;

  constructor(message: string, waitedMilliseconds: number) {
    super(message, { details: { waitedMilliseconds } });
    this.waitedMilliseconds = waitedMilliseconds;
  }
}

/**
 * The admission queue for one workspace's Genie questions. With a limit, at most that many
 * POSTs are in flight or sent within the sliding window. Waiting questions are sent
 * round-robin across users and first-in, first-out within a user, so a user's next
 * question waits at most one turn behind each other waiting user, however many questions
 * those users have queued. A 429 pauses admission for everyone, because the budget is the
 * workspace's. The queue stores user keys, times and callbacks, never a credential.
 *
 * NOTE: the queue is per process. Other behalf instances and other clients of the
 * workspace use the same budget unseen, and only their 429s pause this queue.
 */
export class GenieAdmission {
  readonly questionsPerMinute: number | undefined;
  readonly windowMilliseconds: number;
  /** Waiting questions per user; the map's order is the round-robin order. */
  readonly #waiting = new Map<string, WaitingQuestion[]>();
  readonly #sent: SentQuestion[] = [];
  #pausedUntil = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: GenieAdmissionOptions = {}) {
    const limit = options.questionsPerMinute;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(
        `The Genie question limit must be a positive whole number of questions per minute, got ${limit}. Set genie.questionsPerMinute to such a number or leave it unset.`,
      );
    }
    const window = options.windowMilliseconds ?? defaultWindowMilliseconds;
    if (!Number.isFinite(window) || window <= 0) {
      throw new RangeError(
        `The Genie question window must be a positive number of milliseconds, got ${window}.`,
      );
    }
    this.questionsPerMinute = limit;
    this.windowMilliseconds = window;
  }

  /**
   * Waits until the question may be sent. Rejects with CancelledError as soon as `signal`
   * aborts and with GenieAdmissionTimeoutError at `deadline`; either way the question
   * leaves the queue and frees its place. The caller sends the POST once the promise
   * resolves and then calls `release`.
   */
  admit(request: AdmissionRequest): Promise<Admission> {
    if (request.signal?.aborted) {
      return Promise.reject(new CancelledError());
    }

    return new Promise<Admission>((resolve, reject) => {
      const queuedAt = Date.now();
      let deadlineTimer: NodeJS.Timeout | undefined;
      const onAbort = () => question.cancel();
      const leave = () => {
        clearTimeout(deadlineTimer);
        request.signal?.removeEventListener("abort", onAbort);
        this.#remove(question);
      };

      const question: WaitingQuestion = {
        userKey: request.userKey,
        queuedAt,
        deadline: request.deadline,
        admit: () => {
          leave();
          resolve(this.#claim());
        },
        expire: () => {
          leave();
          reject(this.#timeoutError(queuedAt));
          this.#schedule();
        },
        cancel: () => {
          leave();
          reject(new CancelledError());
          this.#schedule();
        },
      };

      const queue = this.#waiting.get(request.userKey);
      if (queue === undefined) {
        this.#waiting.set(request.userKey, [question]);
      } else {
        queue.push(question);
      }
      request.signal?.addEventListener("abort", onAbort, { once: true });
      this.#schedule();
      if (!this.#isWaiting(question)) {
        return;
      }

      if (request.deadline !== undefined) {
        deadlineTimer = setTimeout(
          question.expire,
          Math.max(0, request.deadline - Date.now()),
        );
      }
      const order = this.#sendingOrder();
      const position = order.indexOf(question) + 1;
      logger.info(
        { position, waitingQuestions: order.length },
        "a Genie question waits for the workspace's question budget",
      );
      request.onQueued?.(position);
    });
  }

  /**
   * Stops admitting anyone for `retryAfterSeconds` (at most 60 s), or for 12 s when the
   * workspace gave no usable value. Called after a question POST still got 429.
   */
  pause(retryAfterSeconds: number | undefined): void {
    const requested =
      retryAfterSeconds === undefined ||
      !Number.isFinite(retryAfterSeconds) ||
      retryAfterSeconds < 0
        ? defaultPauseMilliseconds
        : retryAfterSeconds * 1000;
    const pauseMilliseconds = Math.min(requested, maximumPauseMilliseconds);
    this.#pausedUntil = Math.max(
      this.#pausedUntil,
      Date.now() + pauseMilliseconds,
    );
    logger.warn(
      {
        pauseMilliseconds,
        retryAfterSeconds,
        waitingQuestions: this.#sendingOrder().length,
      },
      "Genie answered a question with 429, so no question is sent to it until the pause ends",
    );
    this.#schedule();
  }

  /** Returns the queue's current state, each waiting question with every data field it holds. */
  inspect(): AdmissionState {
    const now = Date.now();
    this.#forgetExpired(now);
    return {
      waiting: this.#sendingOrder().map((question) =>
        Object.fromEntries(
          Object.entries(question).filter(
            ([, value]) => typeof value !== "function",
          ),
        ),
      ),
      inFlight: this.#sent.filter((sent) => sent.releasedAt === undefined)
        .length,
      counted: this.#sent.length,
      pausedUntil: this.#pausedUntil > now ? this.#pausedUntil : undefined,
    };
  }

  /** Admits waiting questions while the budget has room, then sets a timer for when it next has. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;

    for (;;) {
      const next = this.#waiting.entries().next();
      if (next.done) {
        return;
      }
      const [userKey, queue] = next.value;
      const question = queue[0];
      if (question === undefined) {
        return;
      }
      const now = Date.now();
      const openAt = this.#nextOpening(now);
      if (openAt > now) {
        // Without a released question to wait for, the next release schedules again.
        if (Number.isFinite(openAt)) {
          this.#timer = setTimeout(() => this.#schedule(), openAt - now);
        }
        return;
      }
      // The admitted user goes to the back of the round-robin order; admit() then
      // removes the question, and the user when nothing else of theirs waits.
      this.#waiting.delete(userKey);
      this.#waiting.set(userKey, queue);
      question.admit();
    }
  }

  /** Returns the first time at or after `now` when a question may be sent; Infinity while only a release can make room. */
  #nextOpening(now: number): number {
    const notPaused = Math.max(now, this.#pausedUntil);
    if (this.questionsPerMinute === undefined) {
      return notPaused;
    }
    this.#forgetExpired(now);
    if (this.#sent.length < this.questionsPerMinute) {
      return notPaused;
    }
    let firstExpiry = Number.POSITIVE_INFINITY;
    for (const sent of this.#sent) {
      if (sent.releasedAt !== undefined) {
        firstExpiry = Math.min(
          firstExpiry,
          sent.releasedAt + this.windowMilliseconds,
        );
      }
    }
    return Math.max(notPaused, firstExpiry);
  }

  /** Drops questions the window no longer counts, with the workspace's rule: at exactly one window old, a question no longer counts. */
  #forgetExpired(now: number): void {
    for (let index = this.#sent.length - 1; index >= 0; index--) {
      const releasedAt = this.#sent[index]?.releasedAt;
      if (
        releasedAt !== undefined &&
        releasedAt <= now - this.windowMilliseconds
      ) {
        this.#sent.splice(index, 1);
      }
    }
  }

  #claim(): Admission {
    if (this.questionsPerMinute === undefined) {
      return { release: () => {} };
    }
    const sent: SentQuestion = { releasedAt: undefined };
    this.#sent.push(sent);
    return {
      release: () => {
        if (sent.releasedAt === undefined) {
          sent.releasedAt = Date.now();
          this.#schedule();
        }
      },
    };
  }

  #remove(question: WaitingQuestion): void {
    const queue = this.#waiting.get(question.userKey);
    const index = queue?.indexOf(question) ?? -1;
    if (queue === undefined || index < 0) {
      return;
    }
    queue.splice(index, 1);
    if (queue.length === 0) {
      this.#waiting.delete(question.userKey);
    }
  }

  #isWaiting(question: WaitingQuestion): boolean {
    return this.#waiting.get(question.userKey)?.includes(question) ?? false;
  }

  /** Waiting questions in the order they will be sent if no other question arrives: round by round, users in turn. */
  #sendingOrder(): WaitingQuestion[] {
    const queues = [...this.#waiting.values()];
    const order: WaitingQuestion[] = [];
    for (let round = 0; ; round++) {
      let found = false;
      for (const queue of queues) {
        const question = queue[round];
        if (question !== undefined) {
          order.push(question);
          found = true;
        }
      }
      if (!found) {
        return order;
      }
    }
  }

  #timeoutError(queuedAt: number): GenieAdmissionTimeoutError {
    const now = Date.now();
    const waited = now - queuedAt;
    const reasons: string[] = [];
    if (this.questionsPerMinute !== undefined) {
      reasons.push(
        `${this.questionsPerMinute} questions per ${formatSeconds(this.windowMilliseconds)} s, shared by every user of the workspace`,
      );
    }
    if (this.#pausedUntil > now || this.questionsPerMinute === undefined) {
      reasons.push("paused after Genie answered 429");
    }
    const budget = reasons.join("; ");
    logger.warn(
      {
        waitedMilliseconds: waited,
        questionsPerMinute: this.questionsPerMinute,
      },
      "a Genie question reached its deadline while waiting for the question budget",
    );
    return new GenieAdmissionTimeoutError(
      `The question waited ${formatSeconds(waited)} s for Genie's question budget (${budget}) and reached the tool's deadline before it could be sent, so Genie never received it. ` +
        "Ask again in a minute, or raise tools.genie[].deadlineSeconds.",
      waited,
    );
  }
}

/** Seconds with one decimal below 10 s, so that short waits do not read as 0 s. */
function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return seconds < 10 ? seconds.toFixed(1) : String(Math.round(seconds));
}
