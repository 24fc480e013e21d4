/**
 * Genie message status as a function of elapsed time. Computing it when a client
 * polls, instead of advancing it with timers, keeps nothing scheduled that would
 * hold the process open.
 *
 * The latency model:
 *
 * - A message passes through SUBMITTED, FETCHING_METADATA, ASKING_AI and, when Genie
 *   chose a query, EXECUTING_QUERY. A message without a query (no example fits, an
 *   injected failure, a cancellation) goes from ASKING_AI straight to its end status.
 * - Each of these statuses lasts `durationsMilliseconds[status]` multiplied by a
 *   factor drawn from [1 - jitter, 1 + jitter]. The factor comes from a hash of the
 *   message id and the status, so every poll of one message observes the same
 *   timeline while two messages get different ones.
 * - The end status (COMPLETED, FAILED or CANCELLED) shows once the last of those
 *   statuses has elapsed and Genie's work has finished, whichever comes later. A slow
 *   query therefore holds the message in EXECUTING_QUERY, and a slow model holds it in
 *   ASKING_AI, because EXECUTING_QUERY needs a chosen query.
 * - A fixed step of N milliseconds is the same model with every duration N and no
 *   jitter; with 0 a message ends as soon as its work is done.
 * - A COMPLETED message whose query result is older than the result lifetime reports
 *   QUERY_RESULT_EXPIRED. Re-running the query restarts the lifetime.
 */
import { createHash } from "node:crypto";
import type { StoredMessage } from "./stored-records.js";

export type GenieMessageStatus =
  | "SUBMITTED"
  | "FETCHING_METADATA"
  | "ASKING_AI"
  | "EXECUTING_QUERY"
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "QUERY_RESULT_EXPIRED";

/** The non-terminal statuses in the order a message passes through them. */
export const progressStatuses = [
  "SUBMITTED",
  "FETCHING_METADATA",
  "ASKING_AI",
  "EXECUTING_QUERY",
] as const;

export type GenieProgressStatus = (typeof progressStatuses)[number];

/** How long each non-terminal status lasts; see the module comment for the whole model. */
export interface GenieLatencyModel {
  /** Milliseconds each status lasts before jitter. */
  durationsMilliseconds: Record<GenieProgressStatus, number>;
  /** Largest relative change of a duration, from 0 (none) to 1. */
  jitter: number;
}

/** How long a query result stays readable unless configured otherwise: one hour. */
export const defaultResultLifetimeMilliseconds = 60 * 60 * 1000;

/** The parts of a message the timeline reads, so that a benchmark can model one without storing it. */
export type TimelineMessage = Pick<
  StoredMessage,
  "messageId" | "createdAt" | "plannedQuery" | "outcome"
>;

export interface StatusAtTime {
  status: GenieMessageStatus;
  /** When the message entered `status`, in milliseconds since the epoch. */
  since: number;
}

/** Returns the model in which every non-terminal status lasts `stepMilliseconds`, without jitter. */
export function fixedStepLatency(stepMilliseconds: number): GenieLatencyModel {
  return {
    durationsMilliseconds: {
      SUBMITTED: stepMilliseconds,
      FETCHING_METADATA: stepMilliseconds,
      ASKING_AI: stepMilliseconds,
      EXECUTING_QUERY: stepMilliseconds,
    },
    jitter: 0,
  };
}

/**
 * Throws a RangeError naming the field when a duration is negative or not finite, or
 * the jitter lies outside 0 to 1.
 */
export function validateLatencyModel(model: GenieLatencyModel): void {
  for (const status of progressStatuses) {
    const duration = model.durationsMilliseconds[status];
    if (!Number.isFinite(duration) || duration < 0) {
      throw new RangeError(
        `The Genie duration of ${status} must be a non-negative number of milliseconds, got ${duration}.`,
      );
    }
  }
  if (!Number.isFinite(model.jitter) || model.jitter < 0 || model.jitter > 1) {
    throw new RangeError(
      `The Genie latency jitter must be a fraction from 0 to 1, got ${model.jitter}.`,
    );
  }
}

/**
 * Reads a latency model from text such as
 * `SUBMITTED=300,FETCHING_METADATA=500,ASKING_AI=2000,EXECUTING_QUERY=1500,jitter=0.2`.
 * Statuses left out last `defaultMilliseconds`; the jitter defaults to 0.
 */
export function parseLatencyModel(
  text: string,
  defaultMilliseconds: number,
): GenieLatencyModel {
  const model = fixedStepLatency(defaultMilliseconds);
  for (const entry of text.split(",")) {
    if (entry.trim() === "") {
      continue;
    }
    const [rawKey = "", rawValue = "", ...rest] = entry.split("=");
    const key = rawKey.trim();
    const value = Number(rawValue.trim());
    if (rest.length > 0 || rawValue.trim() === "" || Number.isNaN(value)) {
      throw new RangeError(
        `Invalid Genie latency entry '${entry}': write STATUS=milliseconds or jitter=fraction, separated by commas.`,
      );
    }
    if (key.toLowerCase() === "jitter") {
      model.jitter = value;
    } else if (isProgressStatus(key)) {
      model.durationsMilliseconds[key] = value;
    } else {
      throw new RangeError(
        `Unknown Genie status '${key}' in the latency model; use ${progressStatuses.join(", ")} or jitter.`,
      );
    }
  }
  validateLatencyModel(model);
  return model;
}

/** Returns the durations of the four non-terminal statuses of one message, jitter applied. */
export function statusDurations(
  latency: number | GenieLatencyModel,
  messageId: string,
): number[] {
  const model =
    typeof latency === "number" ? fixedStepLatency(latency) : latency;
  return progressStatuses.map((status) => {
    const base = model.durationsMilliseconds[status];
    if (model.jitter === 0 || base === 0) {
      return base;
    }
    const factor = 1 + model.jitter * (2 * unitHash(messageId, status) - 1);
    return Math.round(base * factor);
  });
}

/**
 * Returns the status of `message` at `now` under `latency`, a latency model or a fixed
 * step in milliseconds. Result expiry is left to `statusWithExpiryAt`.
 */
export function statusAt(
  message: TimelineMessage,
  now: number,
  latency: number | GenieLatencyModel,
): StatusAtTime {
  const durations = statusDurations(latency, message.messageId);
  const lastProgressIndex = message.plannedQuery ? 3 : 2;

  let start = message.createdAt;
  for (let index = 0; index <= lastProgressIndex; index += 1) {
    const end = start + (durations[index] ?? 0);
    if (now < end) {
      return { status: progressStatuses[index] ?? "SUBMITTED", since: start };
    }
    if (index === lastProgressIndex && !message.outcome) {
      return { status: progressStatuses[index] ?? "SUBMITTED", since: start };
    }
    start = end;
  }

  const outcome = message.outcome;
  const status =
    outcome?.kind === "failed"
      ? "FAILED"
      : outcome?.kind === "cancelled"
        ? "CANCELLED"
        : "COMPLETED";
  return { status, since: Math.max(outcome?.finishedAt ?? start, start) };
}

/**
 * Returns the status as clients see it: `statusAt`, except that a COMPLETED message
 * whose query result is `resultLifetimeMilliseconds` old reports QUERY_RESULT_EXPIRED.
 */
export function statusWithExpiryAt(
  message: TimelineMessage,
  now: number,
  latency: number | GenieLatencyModel,
  resultLifetimeMilliseconds: number,
): StatusAtTime {
  const current = statusAt(message, now, latency);
  const outcome = message.outcome;
  if (current.status !== "COMPLETED" || outcome?.kind !== "answered") {
    return current;
  }
  const resultSince = Math.max(current.since, outcome.resultRefreshedAt ?? 0);
  const expiresAt = resultSince + resultLifetimeMilliseconds;
  if (now >= expiresAt) {
    return { status: "QUERY_RESULT_EXPIRED", since: expiresAt };
  }
  return current;
}

/** Returns whether a client should stop polling a message with this status. */
export function isTerminalStatus(status: GenieMessageStatus): boolean {
  return (
    status === "COMPLETED" ||
    status === "FAILED" ||
    status === "CANCELLED" ||
    status === "QUERY_RESULT_EXPIRED"
  );
}

function isProgressStatus(value: string): value is GenieProgressStatus {
  return (progressStatuses as readonly string[]).includes(value);
}

/** Maps a message id and a status to a number in [0, 1), the same on every call. */
function unitHash(messageId: string, status: string): number {
  const digest = createHash("sha256").update(`${messageId}/${status}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}
