/**
 * The faults active in one local workspace, and the bookkeeping each needs: how many
 * uses are left, and for token expiry, how often each token polled each message.
 * A test tool: nothing here runs unless a test or the start options add a fault.
 */
import { createHash } from "node:crypto";
import type {
  InjectedMessageOutcome,
  MessageFaultSource,
} from "../genie/injected-outcomes.js";
import {
  type FaultDefinition,
  InvalidFaultError,
  parseFaultDefinition,
} from "./fault-definitions.js";
import {
  compileRoutePattern,
  InvalidRoutePatternError,
  matchesRoute,
  type RoutePattern,
} from "./route-patterns.js";

type HttpErrorDefinition = Extract<FaultDefinition, { type: "http-error" }>;

interface ActiveFault {
  id: string;
  definition: FaultDefinition;
  /** Uses left; undefined for a delay without a count, which lasts until cleared. */
  remaining: number | undefined;
  routes: RoutePattern[];
}

/** An active fault as `GET /local/api/faults` lists it. */
export type FaultView = FaultDefinition & {
  id: string;
  remaining: number | null;
};

/** Text of an injected FAILED message when the fault names none. */
export const defaultInjectedErrorText =
  "Genie could not process the question because of a fault injected for testing.";

/** Returns the SHA-256 fingerprint under which a token is tracked, so no token is stored. */
export function fingerprintToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class FaultInjector implements MessageFaultSource {
  #faults: ActiveFault[] = [];
  #lastId = 0;
  readonly #expiredTokens = new Set<string>();
  /** Polls by token fingerprint and message id, for token-expiry faults. */
  readonly #pollCounts = new Map<string, number>();

  /** Validates and activates faults; invalid input raises `InvalidFaultError` and activates none. */
  add(inputs: readonly unknown[]): FaultView[] {
    const prepared = inputs.map((input) => {
      const definition = parseFaultDefinition(input);
      const routes =
        "routes" in definition ? compileRoutes(definition.routes) : [];
      return { definition, routes };
    });
    const added = prepared.map(({ definition, routes }) => {
      this.#lastId += 1;
      const fault: ActiveFault = {
        id: String(this.#lastId),
        definition,
        remaining: definition.count,
        routes,
      };
      this.#faults.push(fault);
      return fault;
    });
    return added.map(view);
  }

  list(): FaultView[] {
    return this.#faults.map(view);
  }

  /** Removes every fault, expired token and poll count, and returns how many faults were active. */
  clear(): number {
    const count = this.#faults.length;
    this.#faults = [];
    this.#expiredTokens.clear();
    this.#pollCounts.clear();
    return count;
  }

  takeMessageFault(
    spaceId: string,
    userName: string,
  ): InjectedMessageOutcome | undefined {
    const fault = this.#faults.find(
      ({ definition }) =>
        definition.type === "message" &&
        (definition.spaceId === undefined || definition.spaceId === spaceId) &&
        (definition.userName === undefined || definition.userName === userName),
    );
    if (fault?.definition.type !== "message") {
      return undefined;
    }
    this.#use(fault);
    const { definition } = fault;
    if (definition.outcome === "CANCELLED") {
      return { outcome: "CANCELLED" };
    }
    return {
      outcome: "FAILED",
      errorType: definition.errorType ?? "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
      errorText: definition.errorText ?? defaultInjectedErrorText,
    };
  }

  /** Returns the error to send instead of handling this request, using up one count. */
  takeHttpError(
    method: string,
    path: string,
  ): (HttpErrorDefinition & { faultId: string }) | undefined {
    const fault = this.#findRouteFault("http-error", method, path);
    if (fault?.definition.type !== "http-error") {
      return undefined;
    }
    this.#use(fault);
    return { ...fault.definition, faultId: fault.id };
  }

  /** Returns the delay to add before handling this request, summed over matching faults. */
  takeDelay(method: string, path: string): number {
    let delayMilliseconds = 0;
    for (const fault of [...this.#faults]) {
      if (
        fault.definition.type === "delay" &&
        fault.routes.some((route) => matchesRoute(route, method, path))
      ) {
        delayMilliseconds += fault.definition.delayMilliseconds;
        this.#use(fault);
      }
    }
    return delayMilliseconds;
  }

  hasTokenExpiryFaults(): boolean {
    return this.#faults.some(
      ({ definition }) => definition.type === "token-expiry",
    );
  }

  isExpired(tokenFingerprint: string): boolean {
    return this.#expiredTokens.has(tokenFingerprint);
  }

  /**
   * Counts one poll of `messageId` with a token, before it is served. Returns true,
   * and expires the token, when the token has already polled that message as often as
   * a matching token-expiry fault allows.
   */
  expiresOnPoll(
    tokenFingerprint: string,
    userName: string | undefined,
    messageId: string,
  ): boolean {
    const fault = this.#faults.find(
      ({ definition }) =>
        definition.type === "token-expiry" &&
        (definition.userName === undefined || definition.userName === userName),
    );
    if (fault?.definition.type !== "token-expiry") {
      return false;
    }

    const key = `${tokenFingerprint}/${messageId}`;
    const polls = this.#pollCounts.get(key) ?? 0;
    if (polls < fault.definition.afterPolls) {
      this.#pollCounts.set(key, polls + 1);
      return false;
    }
    this.#expiredTokens.add(tokenFingerprint);
    this.#use(fault);
    return true;
  }

  #findRouteFault(
    type: FaultDefinition["type"],
    method: string,
    path: string,
  ): ActiveFault | undefined {
    return this.#faults.find(
      (fault) =>
        fault.definition.type === type &&
        fault.routes.some((route) => matchesRoute(route, method, path)),
    );
  }

  /** Uses up one count of a fault and drops it when none is left. */
  #use(fault: ActiveFault): void {
    if (fault.remaining === undefined) {
      return;
    }
    fault.remaining -= 1;
    if (fault.remaining <= 0) {
      this.#faults = this.#faults.filter((candidate) => candidate !== fault);
    }
  }
}

function compileRoutes(patterns: readonly string[]): RoutePattern[] {
  try {
    return patterns.map(compileRoutePattern);
  } catch (error) {
    if (error instanceof InvalidRoutePatternError) {
      throw new InvalidFaultError(error.message);
    }
    throw error;
  }
}

function view(fault: ActiveFault): FaultView {
  return {
    ...fault.definition,
    id: fault.id,
    remaining: fault.remaining ?? null,
  };
}
