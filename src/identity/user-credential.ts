import { createHash } from "node:crypto";
import { inspect } from "node:util";

/** Claims behalf reads from a JWT-shaped user token, without verifying it. */
export interface UnverifiedTokenClaims {
  subject?: string;
  scopes?: string[];
  expiresAt?: Date;
}

/**
 * Returns the sha256 fingerprint of a token: the only form of a token that may be
 * logged, used as a cache key or stored.
 */
export function fingerprintToken(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 32);
}

/**
 * Reads `sub`, `scope` and `exp` from a JWT payload. The signature is not checked:
 * the workspace checks it on every call, and behalf only uses these claims to refuse
 * early (expired, missing scope), never to grant anything.
 */
export function readUnverifiedClaims(token: string): UnverifiedTokenClaims {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[0]?.startsWith("eyJ")) {
    return {};
  }
  try {
    const payload = JSON.parse(
      Buffer.from(parts[1] ?? "", "base64url").toString("utf8"),
    ) as Record<string, unknown>;
    const claims: UnverifiedTokenClaims = {};
    if (typeof payload.sub === "string") {
      claims.subject = payload.sub;
    }
    if (typeof payload.scope === "string") {
      claims.scopes = payload.scope
        .split(/\s+/)
        .filter((scope) => scope.length > 0);
    } else if (Array.isArray(payload.scp)) {
      claims.scopes = payload.scp.filter(
        (scope): scope is string => typeof scope === "string",
      );
    }
    if (typeof payload.exp === "number") {
      claims.expiresAt = new Date(payload.exp * 1000);
    }
    return claims;
  } catch {
    return {};
  }
}

/**
 * A user's bearer token, kept in a private field so that logging, JSON encoding or
 * inspecting the object shows only its fingerprint.
 */
export class UserCredential {
  readonly #token: string;
  readonly fingerprint: string;
  readonly claims: UnverifiedTokenClaims;

  constructor(token: string) {
    this.#token = token;
    this.fingerprint = fingerprintToken(token);
    this.claims = readUnverifiedClaims(token);
  }

  /** The `Authorization` header value; call it only when building a request to the workspace. */
  authorizationHeader(): string {
    return `Bearer ${this.#token}`;
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.fingerprint };
  }

  toString(): string {
    return `UserCredential(${this.fingerprint})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
