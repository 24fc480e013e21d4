/** Small pieces of sending one workspace request: waiting, aborts, network errors and bodies. */
import {
  AuthenticationError,
  CancelledError,
  UpstreamError,
} from "../errors/errors.js";
import { readUnverifiedClaims } from "../identity/user-credential.js";

/**
 * Refuses, before any network call, a JWT bearer token that expires within
 * `minimumLifetimeMilliseconds`, so that an expiring token ends in a clear 401 instead
 * of a failure halfway through. Tokens that are not JWTs are left to the workspace.
 */
export function rejectExpiringToken(
  authorization: string,
  minimumLifetimeMilliseconds: number,
  where: string,
): void {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const expiresAt = readUnverifiedClaims(match?.[1] ?? "").expiresAt;
  if (expiresAt === undefined) {
    return;
  }
  const remaining = expiresAt.getTime() - Date.now();
  if (remaining >= minimumLifetimeMilliseconds) {
    return;
  }
  throw new AuthenticationError(
    remaining <= 0
      ? `The token for ${where} has expired. Sign in again to get a new token.`
      : `The token for ${where} expires in ${Math.ceil(remaining / 1000)} s, ` +
          `within the ${Math.round(minimumLifetimeMilliseconds / 1000)} s behalf requires, so it was not sent. ` +
          "Sign in again to get a new token.",
  );
}

/** Returns whether a request failed because nothing listened, so the server certainly did not receive it. */
export function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNREFUSED";
}

export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    .cause;
  return (
    cause?.code ?? cause?.message ?? (error as Error).message ?? "network error"
  );
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CancelledError();
  }
}

/** Parses a 2xx body; an empty body is `{}`, and one that is not JSON is an upstream error. */
export function parseSuccessBody(text: string, where: string): unknown {
  if (text.length === 0) {
    return {};
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UpstreamError(
      `${where} returned a body that is not JSON: ${JSON.stringify(text.slice(0, 100))}.`,
      { cause: error },
    );
  }
}

/** Waits `milliseconds`, or rejects with CancelledError as soon as `signal` aborts. */
export function sleep(
  milliseconds: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
