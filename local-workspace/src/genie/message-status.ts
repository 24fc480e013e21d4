/**
 * Genie message status as a function of elapsed time. Computing it when a client
 * polls, instead of advancing it with timers, keeps nothing scheduled that would
 * hold the process open.
 */
import type { StoredMessage } from "./stored-records.js";

export type GenieMessageStatus =
  | "SUBMITTED"
  | "FETCHING_METADATA"
  | "ASKING_AI"
  | "EXECUTING_QUERY"
  | "COMPLETED"
  | "FAILED";

/** The non-terminal statuses in the order a message passes through them. */
export const progressStatuses = [
  "SUBMITTED",
  "FETCHING_METADATA",
  "ASKING_AI",
  "EXECUTING_QUERY",
] as const;

export interface StatusAtTime {
  status: GenieMessageStatus;
  /** When the message entered `status`, in milliseconds since the epoch. */
  since: number;
}

/**
 * Returns the status of `message` at `now`. Each non-terminal status lasts
 * `stepMilliseconds`, and a message with no query skips EXECUTING_QUERY. The terminal
 * status shows only once its steps have elapsed and the work has finished, so a
 * slow query keeps the message in EXECUTING_QUERY.
 */
export function statusAt(
  message: StoredMessage,
  now: number,
  stepMilliseconds: number,
): StatusAtTime {
  const elapsedSteps =
    stepMilliseconds > 0
      ? Math.floor((now - message.createdAt) / stepMilliseconds)
      : Number.POSITIVE_INFINITY;
  const outcome = message.outcome;
  const stepsBeforeTerminal =
    outcome?.kind === "unanswerable" ? 3 : progressStatuses.length;

  if (outcome && elapsedSteps >= stepsBeforeTerminal) {
    const since = Math.max(
      outcome.finishedAt,
      message.createdAt + stepsBeforeTerminal * stepMilliseconds,
    );
    const status = outcome.kind === "failed" ? "FAILED" : "COMPLETED";
    return { status, since };
  }

  const index = Math.min(
    elapsedSteps,
    stepsBeforeTerminal - 1,
    progressStatuses.length - 1,
  );
  return {
    status: progressStatuses[index] ?? "EXECUTING_QUERY",
    since: message.createdAt + index * stepMilliseconds,
  };
}

/** Returns whether a client should stop polling a message with this status. */
export function isTerminalStatus(status: GenieMessageStatus): boolean {
  return status === "COMPLETED" || status === "FAILED";
}
