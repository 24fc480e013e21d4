/** Message outcomes forced by tests through the fault injector, in place of Genie's own work. */
import type { MessageOutcome } from "./stored-records.js";

export type InjectedMessageOutcome =
  | { outcome: "FAILED"; errorType: string; errorText: string }
  | { outcome: "CANCELLED" };

/** A source of forced outcomes, which Genie checks for each new message of a space and user. */
export interface MessageFaultSource {
  takeMessageFault(
    spaceId: string,
    userName: string,
  ): InjectedMessageOutcome | undefined;
}

/** Converts a forced outcome into the stored outcome of a message that ended at `finishedAt`. */
export function toMessageOutcome(
  injected: InjectedMessageOutcome,
  finishedAt: number,
): MessageOutcome {
  if (injected.outcome === "CANCELLED") {
    return { kind: "cancelled", finishedAt };
  }
  return {
    kind: "failed",
    errorType: injected.errorType,
    errorClass: injected.errorType,
    errorText: injected.errorText,
    finishedAt,
  };
}
