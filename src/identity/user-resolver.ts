import { getCurrentUser } from "../databricks/scim.js";
import { WorkspaceClient } from "../databricks/workspace-client.js";
import { AuthenticationError } from "../errors/errors.js";
import type { UserIdentity } from "./request-context.js";
import type { UserCredential } from "./user-credential.js";

/** Tokens that expire within this margin are treated as expired; Databricks rejects them about 30 s early. */
const expiryMarginMilliseconds = 60_000;
/** Upper bound on how long an identity is cached when the token's expiry is unknown. */
const maxCacheMilliseconds = 10 * 60_000;

/** Tokens whose identity is cached by default; the least recently used is dropped first. */
export const defaultMaxCacheEntries = 10_000;

export interface UserResolverOptions {
  host: string;
  fetch?: typeof fetch;
  /** Tokens whose identity is kept at most (default 10,000). */
  maxCacheEntries?: number;
}

/**
 * Finds out who a token belongs to by asking the workspace (SCIM Me) with that token,
 * so the user id always comes from the token and never from a request header. Results
 * are cached by token fingerprint, so two tokens of one user are two entries. An entry
 * lasts 10 minutes at most and ends 60 s before its token expires.
 */
export class UserResolver {
  readonly #host: string;
  readonly #fetch: typeof fetch | undefined;
  readonly #maxEntries: number;
  readonly #cache = new Map<
    string,
    { user: UserIdentity; expiresAt: number }
  >();

  constructor(options: UserResolverOptions) {
    this.#host = options.host;
    this.#fetch = options.fetch;
    this.#maxEntries = options.maxCacheEntries ?? defaultMaxCacheEntries;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new RangeError(
        `maxCacheEntries must be a positive integer, got ${this.#maxEntries}.`,
      );
    }
  }

  async resolve(
    credential: UserCredential,
    signal?: AbortSignal,
  ): Promise<UserIdentity> {
    const now = Date.now();
    const tokenExpiresAt = credential.claims.expiresAt?.getTime();
    if (
      tokenExpiresAt !== undefined &&
      tokenExpiresAt - expiryMarginMilliseconds <= now
    ) {
      throw new AuthenticationError(
        tokenExpiresAt <= now
          ? "The user token has expired. Sign in again to get a new token."
          : "The user token expires within 60 seconds. Sign in again to get a new token.",
      );
    }

    const cached = this.#cache.get(credential.fingerprint);
    if (cached !== undefined && cached.expiresAt > now) {
      // Inserting again moves the entry to the end, so the size bound drops idle tokens first.
      this.#cache.delete(credential.fingerprint);
      this.#cache.set(credential.fingerprint, cached);
      return cached.user;
    }

    const client = new WorkspaceClient({
      host: this.#host,
      authorization: () => credential.authorizationHeader(),
      fetch: this.#fetch,
      maxAttempts: 2,
    });
    const user = await getCurrentUser(client, signal);

    const cacheUntil = Math.min(
      now + maxCacheMilliseconds,
      (tokenExpiresAt ?? Number.POSITIVE_INFINITY) - expiryMarginMilliseconds,
    );
    this.#remember(credential.fingerprint, user, cacheUntil);
    return user;
  }

  #remember(fingerprint: string, user: UserIdentity, expiresAt: number): void {
    this.#cache.delete(fingerprint);
    this.#cache.set(fingerprint, { user, expiresAt });
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#cache.delete(oldest);
    }
  }
}
