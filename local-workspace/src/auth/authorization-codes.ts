import { createHash, randomBytes, randomUUID } from "node:crypto";
import { type OAuthFailure, oauthFailure } from "./oauth-errors.js";

/**
 * How long an authorization code may wait before it is redeemed. RFC 6749 section 4.1.2
 * allows at most 10 minutes; a client redeems its code within seconds.
 */
export const authorizationCodeLifetimeSeconds = 60;

/** PKCE code verifier syntax (RFC 7636 section 4.1): 43 to 128 unreserved characters. */
const codeVerifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

/** An S256 code challenge is the base64url SHA-256 digest: 43 characters. */
export const codeChallengePattern = /^[A-Za-z0-9_-]{43}$/;

/** Returns the S256 code challenge of `codeVerifier` (RFC 7636 section 4.2). */
export function codeChallengeOf(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier).digest("base64url");
}

/** The resource owner's approval at the authorization endpoint. */
export interface AuthorizationRequestGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  userName: string;
  /** Requested scopes, `offline_access` included when the client asked for it. */
  scopes: string[];
}

/** A redeemed code's grant, with the id that ties refresh tokens to this sign-in. */
export interface RedeemedGrant extends AuthorizationRequestGrant {
  family: string;
}

interface StoredCode extends RedeemedGrant {
  expiresAtMilliseconds: number;
  redeemed: boolean;
}

/** The values a client sends with a code to the token endpoint. */
export interface CodeRedemption {
  clientId: string;
  redirectUri: string | null;
  codeVerifier: string | null;
}

/**
 * Single-use authorization codes, in memory. Any redemption attempt uses the code up,
 * so a wrong verifier cannot be retried, and a second attempt revokes what the first
 * one obtained (RFC 6749 section 4.1.2) through `onReuse`.
 */
export class AuthorizationCodeStore {
  readonly #codes = new Map<string, StoredCode>();
  readonly #lifetimeMilliseconds: number;
  readonly #onReuse: (family: string) => void;

  constructor(
    onReuse: (family: string) => void,
    lifetimeSeconds = authorizationCodeLifetimeSeconds,
  ) {
    this.#onReuse = onReuse;
    this.#lifetimeMilliseconds = lifetimeSeconds * 1000;
  }

  issue(grant: AuthorizationRequestGrant): string {
    this.#removeExpired();
    const code = randomBytes(32).toString("base64url");
    this.#codes.set(code, {
      ...grant,
      scopes: [...grant.scopes],
      family: randomUUID(),
      expiresAtMilliseconds: Date.now() + this.#lifetimeMilliseconds,
      redeemed: false,
    });
    return code;
  }

  /** Checks the code against what the client presents, in RFC 6749 section 4.1.3 order. */
  redeem(
    code: string,
    presented: CodeRedemption,
  ): RedeemedGrant | OAuthFailure {
    const stored = this.#codes.get(code);
    if (stored === undefined || stored.expiresAtMilliseconds <= Date.now()) {
      return oauthFailure(
        "invalid_grant",
        `The authorization code is unknown or expired (codes live ${this.#lifetimeMilliseconds / 1000} s); start the sign-in again.`,
      );
    }
    if (stored.redeemed) {
      this.#onReuse(stored.family);
      return oauthFailure(
        "invalid_grant",
        "The authorization code was already used, so the refresh tokens issued with it are revoked; start the sign-in again.",
      );
    }
    stored.redeemed = true;

    if (stored.clientId !== presented.clientId) {
      return oauthFailure(
        "invalid_grant",
        `The authorization code was issued to another client, not "${presented.clientId}".`,
      );
    }
    if (presented.redirectUri !== stored.redirectUri) {
      return oauthFailure(
        "invalid_grant",
        `redirect_uri must be identical to the one of the authorization request ("${stored.redirectUri}"), got "${presented.redirectUri ?? ""}".`,
      );
    }
    if (presented.codeVerifier === null) {
      return oauthFailure(
        "invalid_request",
        "code_verifier is missing; send the PKCE verifier whose S256 challenge started the sign-in.",
      );
    }
    if (!codeVerifierPattern.test(presented.codeVerifier)) {
      return oauthFailure(
        "invalid_request",
        "code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9 and - . _ ~ (RFC 7636 section 4.1).",
      );
    }
    if (codeChallengeOf(presented.codeVerifier) !== stored.codeChallenge) {
      return oauthFailure(
        "invalid_grant",
        "The code_verifier does not match the code_challenge of the authorization request.",
      );
    }

    const {
      expiresAtMilliseconds: _expiry,
      redeemed: _redeemed,
      ...grant
    } = stored;
    return grant;
  }

  #removeExpired(): void {
    const now = Date.now();
    for (const [code, stored] of this.#codes) {
      if (stored.expiresAtMilliseconds <= now) {
        this.#codes.delete(code);
      }
    }
  }
}
