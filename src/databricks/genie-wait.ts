import { DeadlineExceededError } from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import {
  type GenieClient,
  type GenieMessage,
  type GenieMessageReference,
  terminalStatuses,
} from "./genie.js";
import { sleep } from "./workspace-client.js";

const logger = moduleLogger("genie-wait");

/** Time source for polling; tests and the benchmark pass a virtual clock. */
export interface PollClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits, or rejects with CancelledError as soon as `signal` aborts. */
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: PollClock = { now: () => Date.now(), sleep };

/** Facts about a message that the schedule uses to pick the next delay. */
export interface PollObservation {
  /** Polls sent for this message so far, the last one included. */
  attempt: number;
  /** Milliseconds since the message was sent. */
  elapsedMilliseconds: number;
  status: string;
  /** When the current status began, in milliseconds since the message was sent. */
  statusStartedMilliseconds: number;
  /**
   * Mean length of the statuses the message has already left, in milliseconds;
   * undefined while it is still in its first status.
   */
  statusPaceMilliseconds: number | undefined;
}

export type PollDelay = (observation: PollObservation) => number;

/**
 * Statuses in which Genie is still preparing: a message never ends straight from one
 * of them, so polling them only serves to learn the pace.
 */
const preparationStatuses: ReadonlySet<string> = new Set([
  "SUBMITTED",
  "FETCHING_METADATA",
  "FILTERING_CONTEXT",
  "PENDING_WAREHOUSE",
]);

/** Constants of the default schedule. Durations are in milliseconds, growth factors are shares of a duration. */
export const pollSchedule = {
  /** While in the first status, wait this share of the elapsed time (1.5× growth per poll). */
  firstStatusGrowth: 0.5,
  firstStatusMinimum: 250,
  /** A poll aimed at an expected status change is sent this long after it. */
  changeLead: 50,
  /** A preparation status that runs long: wait half as long again as it has lasted. */
  preparationGrowth: 0.5,
  preparationMinimum: 250,
  /** ASKING_AI that runs long: it usually leads to a query, but a text-only answer ends here. */
  askingGrowth: 0.5,
  askingMinimum: 250,
  askingMaximum: 1500,
  /** EXECUTING_QUERY (or an unknown status) within one pace past its expected end. */
  overrunGrowth: 0.15,
  overrunMinimum: 200,
  /** EXECUTING_QUERY more than one pace past its expected end, where the pace no longer predicts the end. */
  longQueryGrowth: 0.2,
  longQueryMaximum: 1500,
  /** Maximum single wait, because the Genie documentation recommends polling every 1 to 5 s. */
  maximum: 5000,
} as const;

/**
 * Returns the delay before the next poll of a Genie message. The statuses a message has
 * left predict how long the current one lasts, and their mean length is the pace. The
 * schedule learns the pace from the first status change, polling at growing intervals
 * at most 1.5× apart so that a status of the same length is not skipped. It then sends
 * one poll just after each expected change. A status that runs past its expected end
 * is polled by what can follow it: preparation statuses sparsely, ASKING_AI a little
 * closer, and EXECUTING_QUERY closely at first, because the answer comes next. Once the
 * pace has clearly failed (a slow query), EXECUTING_QUERY is polled every 1.5 s at most.
 */
export function nextPollDelay(observation: PollObservation): number {
  // NOTE: the constants were tuned on the local workspace's status model
  // (docs/benchmarks.md); real Genie's status durations are not published.
  const schedule = pollSchedule;
  const elapsed = observation.elapsedMilliseconds;
  const pace = observation.statusPaceMilliseconds;

  if (pace === undefined) {
    return clamp(
      elapsed * schedule.firstStatusGrowth,
      schedule.firstStatusMinimum,
      schedule.maximum,
    );
  }

  const expectedEnd = observation.statusStartedMilliseconds + pace;
  if (elapsed < expectedEnd) {
    return Math.min(
      expectedEnd - elapsed + schedule.changeLead,
      schedule.maximum,
    );
  }

  const timeInStatus = elapsed - observation.statusStartedMilliseconds;
  const overrun = elapsed - expectedEnd;
  if (preparationStatuses.has(observation.status)) {
    return clamp(
      timeInStatus * schedule.preparationGrowth,
      schedule.preparationMinimum,
      schedule.maximum,
    );
  }
  if (observation.status === "ASKING_AI") {
    return clamp(
      timeInStatus * schedule.askingGrowth,
      schedule.askingMinimum,
      schedule.askingMaximum,
    );
  }
  if (overrun < pace) {
    return clamp(
      overrun * schedule.overrunGrowth,
      schedule.overrunMinimum,
      schedule.maximum,
    );
  }
  return clamp(
    timeInStatus * schedule.longQueryGrowth,
    schedule.overrunMinimum,
    schedule.longQueryMaximum,
  );
}

/** Seconds with one decimal below 10 s, so that short test deadlines do not read as 0 s. */
function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return seconds < 10 ? seconds.toFixed(1) : String(Math.round(seconds));
}

function clamp(value: number, minimum: number, maximum: number): number {
  return Math.min(maximum, Math.max(minimum, value));
}

/**
 * Tracks when each status of one message began, in milliseconds since the message was
 * sent. Genie's `last_updated_timestamp` minus `created_timestamp` gives the start of a
 * new status exactly, on the workspace's clock. Without usable timestamps, the start is
 * taken as the midpoint between the last two polls.
 */
export class StatusTimeline {
  #status: string | undefined;
  #statusStarted = 0;
  #changes = 0;
  #previousPollElapsed = 0;
  #attempts = 0;

  /** Records one poll's message and returns what the schedule needs to know. */
  observe(message: GenieMessage, elapsedMilliseconds: number): PollObservation {
    this.#attempts += 1;
    if (this.#status === undefined) {
      this.#status = message.status;
    } else if (message.status !== this.#status) {
      this.#statusStarted = this.#estimateStart(message, elapsedMilliseconds);
      this.#status = message.status;
      this.#changes += 1;
    }
    this.#previousPollElapsed = elapsedMilliseconds;

    return {
      attempt: this.#attempts,
      elapsedMilliseconds,
      status: message.status,
      statusStartedMilliseconds: this.#statusStarted,
      statusPaceMilliseconds: this.#pace(),
    };
  }

  #pace(): number | undefined {
    return this.#changes === 0
      ? undefined
      : this.#statusStarted / this.#changes;
  }

  #estimateStart(message: GenieMessage, elapsedMilliseconds: number): number {
    const reported = reportedStatusStart(message);
    if (
      reported !== undefined &&
      reported >= this.#statusStarted &&
      reported <= elapsedMilliseconds
    ) {
      return reported;
    }
    return (this.#previousPollElapsed + elapsedMilliseconds) / 2;
  }
}

/**
 * Milliseconds from the message's creation to its last update, which Genie sets when
 * the status changes. The request that created the message arrives about half a round
 * trip after it was sent; that offset is ignored.
 */
function reportedStatusStart(message: GenieMessage): number | undefined {
  const created = message.created_timestamp;
  const updated = message.last_updated_timestamp;
  if (typeof created !== "number" || typeof updated !== "number") {
    return undefined;
  }
  return updated - created;
}

export interface WaitOptions {
  /** Overall time limit, counted from `sentAt`. */
  deadlineMilliseconds: number;
  /** When the message was sent, on `clock`; defaults to the first poll. */
  sentAt?: number;
  signal?: AbortSignal;
  /** Called once per status change, in order. */
  onStatus?: (status: string) => void;
  /** Delay before the next poll; the default is `nextPollDelay`. */
  pollDelay?: PollDelay;
  clock?: PollClock;
}

/** The parts of GenieClient that polling uses, so a simulated Genie can stand in. */
export type MessageReader = Pick<GenieClient, "getMessage">;

/**
 * Polls a Genie message until it reaches a terminal status, the deadline passes
 * (DeadlineExceededError) or the signal aborts (CancelledError). Unknown statuses are
 * treated as in progress. No request is sent after the deadline or the abort.
 */
export async function waitForMessage(
  genie: MessageReader,
  reference: GenieMessageReference,
  options: WaitOptions,
): Promise<GenieMessage> {
  const clock = options.clock ?? systemClock;
  const sentAt = options.sentAt ?? clock.now();
  const deadline = sentAt + options.deadlineMilliseconds;
  const delayFor = options.pollDelay ?? nextPollDelay;
  const timeline = new StatusTimeline();
  let lastStatus: string | undefined;

  for (;;) {
    const message = await genie.getMessage(reference, {
      signal: options.signal,
      // Requests compare their deadline with the wall clock.
      deadline: Date.now() + (deadline - clock.now()),
    });
    const now = clock.now();
    const observation = timeline.observe(message, now - sentAt);
    if (message.status !== lastStatus) {
      lastStatus = message.status;
      options.onStatus?.(message.status);
    }
    if (terminalStatuses.has(message.status)) {
      return message;
    }

    const remaining = deadline - now;
    if (remaining <= 0) {
      logger.warn(
        {
          messageId: reference.messageId,
          status: message.status,
          deadlineMilliseconds: options.deadlineMilliseconds,
        },
        "Genie message passed its deadline",
      );
      throw new DeadlineExceededError(
        `Genie did not finish message ${reference.messageId} within ${formatSeconds(options.deadlineMilliseconds)} s ` +
          `(last status ${message.status}). Ask a narrower question, or raise tools.genie[].deadlineSeconds ` +
          "(keep it under the Databricks Apps proxy's 300 s limit).",
        {
          details: {
            messageId: reference.messageId,
            lastStatus: message.status,
          },
        },
      );
    }
    // The last poll is sent at the deadline itself, so an answer that lands just
    // before it is still seen.
    const delay = Math.min(Math.max(0, delayFor(observation)), remaining);
    await clock.sleep(delay, options.signal);
  }
}
