import type { StopCondition, ToolSet } from "ai";
import { BehalfError, toBehalfError } from "../errors/errors.js";

/** The limits of one agent turn, from the `agent` section of the config. */
export interface TurnLimitSettings {
  /** Model calls per turn (`agent.maxSteps`). */
  maxSteps: number;
  /** Tool calls per turn (`agent.maxToolCalls`). */
  maxToolCalls: number;
  /** Tool failures in a row that stop the turn (`agent.maxConsecutiveToolFailures`). */
  maxConsecutiveToolFailures: number;
  /** Time limit of the turn in seconds (`agent.turnDeadlineSeconds`). */
  turnDeadlineSeconds: number;
}

/**
 * Identical calls (same tool, same arguments) that run in one turn. The model asking
 * for the same call once more (the second repeat) stops the turn: the call would return
 * what the model already has, or fail the way it already failed.
 */
export const maxIdenticalToolCalls = 2;

/** One failed tool call, as behalf reports it in the final answer. */
export interface ToolFailure {
  toolName: string;
  code: string;
  message: string;
}

/**
 * A tool call that failed with `UNAUTHENTICATED` because the workspace rejected the
 * user's token, as it does for an expired or revoked one. Such a failure ends the turn
 * at once, because every later call with the same token would be rejected too.
 */
export interface CredentialRejection {
  /** The model's id of the call that failed. */
  toolCallId: string;
  toolName: string;
  error: BehalfError;
}

export interface TurnGuardOptions {
  /** Called once, from inside the failed tool call, when the user's credential is rejected. */
  onCredentialRejected?: (rejection: CredentialRejection) => void;
}

/** Why a turn ended before the model gave its answer. */
export type TurnStop =
  | { reason: "tool-call-limit"; limit: number }
  | { reason: "repeated-tool-call"; toolName: string }
  | { reason: "consecutive-tool-failures"; count: number }
  | { reason: "deadline"; seconds: number }
  | { reason: "step-limit"; limit: number };

/**
 * A tool call behalf did not run because a turn limit was reached. It becomes the call's
 * result, so the model and the client see it. It is not a request failure, so it has no
 * HTTP status and is not a BehalfError.
 */
export class ToolCallRefusedError extends BehalfError {
  constructor(message: string) {
    super("TOOL_CALL_REFUSED", message, { status: 429 });
  }
}

/**
 * Counts the tool calls and failures of one turn and decides when the turn must stop.
 * `admit` runs before each call and `record*` after it, inside the tool execution, so
 * the stop condition the loop checks after each step already counts every call of it.
 */
export class TurnGuard {
  readonly #settings: TurnLimitSettings;
  readonly #onCredentialRejected: TurnGuardOptions["onCredentialRejected"];
  readonly #identicalCalls = new Map<string, number>();
  readonly #failures: ToolFailure[] = [];
  #calls = 0;
  #consecutiveFailures = 0;
  #stop: TurnStop | undefined;
  #credentialRejection: CredentialRejection | undefined;

  constructor(settings: TurnLimitSettings, options: TurnGuardOptions = {}) {
    this.#settings = settings;
    this.#onCredentialRejected = options.onCredentialRejected;
  }

  /** The reason the turn stops, once one limit has been reached. */
  get stop(): TurnStop | undefined {
    return this.#stop;
  }

  /** The first call whose credential the workspace rejected, once one has been. */
  get credentialRejection(): CredentialRejection | undefined {
    return this.#credentialRejection;
  }

  /** Every failed call of the turn, oldest first. */
  get failures(): readonly ToolFailure[] {
    return this.#failures;
  }

  /** An AI SDK stop condition: true once any limit has been reached or the credential was rejected. */
  readonly isStopped: StopCondition<ToolSet> = () =>
    this.#stop !== undefined || this.#credentialRejection !== undefined;

  /** Throws ToolCallRefusedError, and stops the turn, when this call may not run. */
  admit(toolName: string, input: unknown): void {
    if (this.#credentialRejection !== undefined) {
      throw new ToolCallRefusedError(
        "Not run: the workspace rejected the user's credential earlier in this turn.",
      );
    }
    if (this.#stop !== undefined) {
      throw new ToolCallRefusedError(
        `Not run: the turn is stopping (${this.#stop.reason}).`,
      );
    }

    if (this.#calls >= this.#settings.maxToolCalls) {
      this.#stop = {
        reason: "tool-call-limit",
        limit: this.#settings.maxToolCalls,
      };
      throw new ToolCallRefusedError(
        `Not run: the turn already made ${this.#settings.maxToolCalls} tool calls, the limit set by agent.maxToolCalls.`,
      );
    }

    const key = `${toolName}\u0000${canonicalJson(input)}`;
    const earlier = this.#identicalCalls.get(key) ?? 0;
    if (earlier >= maxIdenticalToolCalls) {
      this.#stop = { reason: "repeated-tool-call", toolName };
      throw new ToolCallRefusedError(
        `Not run: ${toolName} was already called ${earlier} times in this turn with the same arguments.`,
      );
    }

    this.#identicalCalls.set(key, earlier + 1);
    this.#calls += 1;
  }

  recordSuccess(): void {
    this.#consecutiveFailures = 0;
  }

  /**
   * Counts a failed call. An `UNAUTHENTICATED` failure also records the credential
   * rejection and calls `onCredentialRejected`, so the turn can stop before any further
   * model or tool call.
   */
  recordFailure(toolName: string, toolCallId: string, error: unknown): void {
    const typed = toBehalfError(error);
    this.#failures.push({ toolName, code: typed.code, message: typed.message });
    if (
      typed.code === "UNAUTHENTICATED" &&
      this.#credentialRejection === undefined
    ) {
      this.#credentialRejection = { toolCallId, toolName, error: typed };
      this.#onCredentialRejected?.(this.#credentialRejection);
    }
    this.#consecutiveFailures += 1;
    if (
      this.#stop === undefined &&
      this.#consecutiveFailures >= this.#settings.maxConsecutiveToolFailures
    ) {
      this.#stop = {
        reason: "consecutive-tool-failures",
        count: this.#consecutiveFailures,
      };
    }
  }

  stopAtDeadline(): void {
    this.#stop ??= {
      reason: "deadline",
      seconds: this.#settings.turnDeadlineSeconds,
    };
  }

  stopAtStepLimit(): void {
    this.#stop ??= { reason: "step-limit", limit: this.#settings.maxSteps };
  }
}

/**
 * Returns the tools with every call passing through `guard`: a refused call throws
 * before the tool runs, and each finished call is counted as a success or a failure.
 */
export function guardTools(tools: ToolSet, guard: TurnGuard): ToolSet {
  const guarded: ToolSet = {};
  for (const [toolName, original] of Object.entries(tools)) {
    const execute = original.execute;
    if (execute === undefined) {
      guarded[toolName] = original;
      continue;
    }
    guarded[toolName] = {
      ...original,
      execute: async (input: unknown, options: { toolCallId: string }) => {
        guard.admit(toolName, input);
        try {
          // A streaming tool returns an async iterable here; behalf's tools return promises.
          const output = await execute(input as never, options as never);
          guard.recordSuccess();
          return output;
        } catch (error) {
          guard.recordFailure(toolName, options.toolCallId, error);
          throw error;
        }
      },
    } as ToolSet[string];
  }
  return guarded;
}

/** JSON with object keys sorted, so that equal arguments compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, nested: unknown) => {
    if (
      typeof nested !== "object" ||
      nested === null ||
      Array.isArray(nested)
    ) {
      return nested;
    }
    return Object.fromEntries(
      // The keys of one object differ, so two keys never compare equal.
      Object.entries(nested).sort(([left], [right]) => (left < right ? -1 : 1)),
    );
  });
}

/**
 * Builds the answer behalf gives, in place of the model's, when a turn stops early: what
 * stopped it and the latest tool failures, so the user knows what failed.
 */
export function describeTurnStop(
  stop: TurnStop,
  failures: readonly ToolFailure[],
): string {
  const lines = [
    `The agent stopped before answering: ${describeStopReason(stop)}.`,
  ];
  const latest = failures.slice(-3);
  if (latest.length > 0) {
    lines.push(
      latest.length === 1
        ? "The failed tool call:"
        : "The latest failed tool calls:",
      ...latest.map(
        (failure) =>
          `- ${failure.toolName}: ${failure.code}: ${failure.message}`,
      ),
    );
  }
  return lines.join("\n");
}

function describeStopReason(stop: TurnStop): string {
  switch (stop.reason) {
    case "tool-call-limit":
      return `the turn reached its limit of ${stop.limit} tool calls (agent.maxToolCalls)`;
    case "repeated-tool-call":
      return `the model asked for a ${stop.toolName} call it had already made ${maxIdenticalToolCalls} times with the same arguments`;
    case "consecutive-tool-failures":
      return `${stop.count} tool calls failed in a row (agent.maxConsecutiveToolFailures)`;
    case "deadline":
      return `the turn reached its time limit of ${stop.seconds} s (agent.turnDeadlineSeconds)`;
    case "step-limit":
      return `the turn used all ${stop.limit} model calls it may make (agent.maxSteps)`;
  }
}
