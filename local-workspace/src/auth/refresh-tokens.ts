import { randomBytes } from "node:crypto";
import { type OAuthFailure, oauthFailure } from "./oauth-errors.js";

/** How long a refresh token stays usable when it is not rotated: one day. */
export const refreshTokenLifetimeSeconds = 86_400;

/** The grant behind a refresh token: its client, user and scopes. */
export interface RefreshGrant {
  clientId: string;
  userName: string;
  /** Scopes of the access tokens issued with it, without `offline_access`. */
  scopes: string[];
  /** Id of the sign-in the token descends from, so reuse of its code revokes them all. */
  family: string;
}

interface StoredRefreshToken extends RefreshGrant {
  expiresAtMilliseconds: number;
}

/**
 * Opaque refresh tokens, kept in memory only, so they end with the process. Each use
 * rotates the token: the old one stops working and a new one is returned.
 */
export class RefreshTokenStore {
  readonly #tokens = new Map<string, StoredRefreshToken>();
  readonly #lifetimeMilliseconds: number;

  constructor(lifetimeSeconds = refreshTokenLifetimeSeconds) {
    this.#lifetimeMilliseconds = lifetimeSeconds * 1000;
  }

  issue(grant: RefreshGrant): string {
    this.#removeExpired();
    const token = randomBytes(32).toString("base64url");
    this.#tokens.set(token, {
      ...grant,
      scopes: [...grant.scopes],
      expiresAtMilliseconds: Date.now() + this.#lifetimeMilliseconds,
    });
    return token;
  }

  /**
   * Returns the grant of `token` for `clientId`. Fails when the token is unknown,
   * expired, already rotated or belongs to another client.
   */
  find(token: string, clientId: string): RefreshGrant | OAuthFailure {
    const stored = this.#tokens.get(token);
    if (stored === undefined || stored.expiresAtMilliseconds <= Date.now()) {
      return oauthFailure(
        "invalid_grant",
        "The refresh token is unknown, expired or already used (each refresh returns a new one); sign in again.",
      );
    }
    if (stored.clientId !== clientId) {
      return oauthFailure(
        "invalid_grant",
        `The refresh token was issued to another client, not "${clientId}".`,
      );
    }
    const { expiresAtMilliseconds: _expiry, ...grant } = stored;
    return grant;
  }

  /** Ends `token` and returns its successor for the same grant. */
  rotate(token: string, grant: RefreshGrant): string {
    this.#tokens.delete(token);
    return this.issue(grant);
  }

  /** Revokes every refresh token of one sign-in. */
  revokeFamily(family: string): void {
    for (const [token, stored] of this.#tokens) {
      if (stored.family === family) {
        this.#tokens.delete(token);
      }
    }
  }

  #removeExpired(): void {
    const now = Date.now();
    for (const [token, stored] of this.#tokens) {
      if (stored.expiresAtMilliseconds <= now) {
        this.#tokens.delete(token);
      }
    }
  }
}
