import { DeadlineExceededError } from "../errors/errors.js";
import {
  type GenieClient,
  type GenieMessage,
  type GenieMessageReference,
  terminalStatuses,
} from "./genie.js";
import { sleep } from "./workspace-client.js";

export interface WaitOptions {
  /** Overall time limit for the message, from the first poll. */
  deadlineMilliseconds: number;
  signal?: AbortSignal;
  /** Called once per status change, in order. */
  onStatus?: (status: string) => void;
  /** Delay before the next poll; the default is `nextPollDelay`. */
  pollDelay?: (elapsedMilliseconds: number, status: string) => number;
}

/**
 * Delay before the next poll. Polls come quickly at first, when short answers finish,
 * and spread out as the message takes longer; once the query runs, the result is close,
 * so the delay is capped lower.
 */
export function nextPollDelay(
  elapsedMilliseconds: number,
  status: string,
): number {
  const grown = Math.min(2000, Math.max(250, elapsedMilliseconds * 0.2));
  return status === "EXECUTING_QUERY" ? Math.min(grown, 600) : grown;
}

/**
 * Polls a Genie message until it reaches a terminal status, the deadline passes
 * (DeadlineExceededError) or the signal aborts (CancelledError). Unknown statuses are
 * treated as in progress.
 */
export async function waitForMessage(
  genie: GenieClient,
  reference: GenieMessageReference,
  options: WaitOptions,
): Promise<GenieMessage> {
  const started = Date.now();
  const delayFor = options.pollDelay ?? nextPollDelay;
  let lastStatus: string | undefined;

  for (;;) {
    const message = await genie.getMessage(reference, options.signal);
    if (message.status !== lastStatus) {
      lastStatus = message.status;
      options.onStatus?.(message.status);
    }
    if (terminalStatuses.has(message.status)) {
      return message;
    }

    const elapsed = Date.now() - started;
    const remaining = options.deadlineMilliseconds - elapsed;
    if (remaining <= 0) {
      throw new DeadlineExceededError(
        `Genie did not finish message ${reference.messageId} within ${Math.round(options.deadlineMilliseconds / 1000)} s ` +
          `(last status ${message.status}). Ask a narrower question or raise the Genie deadline.`,
      );
    }
    await sleep(
      Math.min(delayFor(elapsed, message.status), remaining),
      options.signal,
    );
  }
}
