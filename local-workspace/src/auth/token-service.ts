import { randomUUID } from "node:crypto";
import {
  type CryptoKey,
  errors,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import type {
  Principal,
  TokenVerification,
  TokenVerifier,
  WorkspaceDefinition,
} from "../contracts.js";
import { findPrincipalIdentity } from "./principals.js";
import { parseScopeList } from "./scopes.js";

/** Lifetime of issued access tokens unless a caller asks otherwise; Databricks uses one hour. */
export const defaultTokenLifetimeSeconds = 3600;

const signingAlgorithm = "ES256";

export interface TokenRequest {
  /** User name or service principal application id; becomes the `sub` claim. */
  subject: string;
  scopes: readonly string[];
  /** OAuth client the token is issued to; becomes the `client_id` claim. */
  clientId: string;
  lifetimeSeconds?: number;
  /** The party acting for the subject, for delegated tokens; becomes the `act` claim. */
  actor?: ActorClaim;
}

/**
 * The `act` claim of a delegated token (RFC 8693 section 4.1): the current actor in
 * `sub`, and the actor before it, if any, nested in `act`.
 */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

/** A verified token's principal and the claims that token exchange reads. */
export type TokenInspection =
  | {
      valid: true;
      principal: Principal;
      clientId: string | undefined;
      actor: ActorClaim | undefined;
    }
  | { valid: false; reason: string };

/** An issued access token in the fields of an OAuth token response. */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
  /** Space-separated scopes, as in the `scope` claim. */
  scope: string;
}

/**
 * Issues and verifies the workspace's access tokens: ES256 JWTs signed with a key pair
 * generated at start, so tokens from an earlier run fail verification.
 */
export class TokenService implements TokenVerifier {
  readonly issuer: string;
  readonly audience: string;
  readonly keyId = randomUUID();
  readonly defaultLifetimeSeconds: number;
  readonly #definition: WorkspaceDefinition;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;

  private constructor(
    workspaceUrl: string,
    definition: WorkspaceDefinition,
    keys: { privateKey: CryptoKey; publicKey: CryptoKey },
    defaultLifetimeSeconds: number,
  ) {
    this.issuer = `${workspaceUrl}/oidc`;
    this.audience = workspaceUrl;
    this.#definition = definition;
    this.#privateKey = keys.privateKey;
    this.#publicKey = keys.publicKey;
    this.defaultLifetimeSeconds = defaultLifetimeSeconds;
  }

  /** Generates a signing key pair and returns a service for `workspaceUrl` (no trailing slash). */
  static async create(
    workspaceUrl: string,
    definition: WorkspaceDefinition,
    defaultLifetimeSeconds = defaultTokenLifetimeSeconds,
  ): Promise<TokenService> {
    const keys = await generateKeyPair(signingAlgorithm);
    return new TokenService(
      workspaceUrl,
      definition,
      keys,
      defaultLifetimeSeconds,
    );
  }

  /** Signs an access token for a principal of the definition. */
  async issue(request: TokenRequest): Promise<IssuedToken> {
    const lifetimeSeconds =
      request.lifetimeSeconds ?? this.defaultLifetimeSeconds;
    const nowSeconds = Date.now() / 1000;
    // JWT times are whole seconds. Rounding expiry down keeps a token from outliving its
    // lifetime, so it is always expired once that many seconds have passed.
    const expiresAt = Math.floor(nowSeconds + lifetimeSeconds);
    const scope = request.scopes.join(" ");

    const accessToken = await new SignJWT({
      scope,
      client_id: request.clientId,
      ...(request.actor === undefined ? {} : { act: request.actor }),
    })
      .setProtectedHeader({
        alg: signingAlgorithm,
        kid: this.keyId,
        typ: "JWT",
      })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(request.subject)
      .setIssuedAt(Math.floor(nowSeconds))
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.#privateKey);

    return { accessToken, expiresInSeconds: lifetimeSeconds, scope };
  }

  /** Checks signature, issuer, audience and expiry, then finds the token's principal. */
  async verify(token: string): Promise<TokenVerification> {
    const inspection = await this.inspect(token);
    return inspection.valid
      ? { valid: true, principal: inspection.principal }
      : inspection;
  }

  /** Verifies `token` as `verify` does and also returns its client and actor claims. */
  async inspect(token: string): Promise<TokenInspection> {
    let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
    try {
      ({ payload } = await jwtVerify(token, this.#publicKey, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: [signingAlgorithm],
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (error) {
      return { valid: false, reason: describeVerificationFailure(error) };
    }

    const subject = payload.sub ?? "";
    const identity = findPrincipalIdentity(this.#definition, subject);
    if (identity === undefined) {
      return {
        valid: false,
        reason: `The bearer token's subject '${subject}' is not a user or service principal of this workspace. Request a token for a known principal.`,
      };
    }

    const scope = typeof payload.scope === "string" ? payload.scope : "";
    return {
      valid: true,
      clientId:
        typeof payload.client_id === "string" ? payload.client_id : undefined,
      actor: readActorClaim(payload.act),
      principal: {
        kind: identity.kind,
        id: identity.id,
        userName: identity.userName,
        displayName: identity.displayName,
        groups: identity.groups,
        scopes: parseScopeList(scope),
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      },
    };
  }

  /** Returns the public signing key as a JSON Web Key Set. */
  async jsonWebKeySet(): Promise<{ keys: JWK[] }> {
    const key = await exportJWK(this.#publicKey);
    return {
      keys: [{ ...key, kid: this.keyId, alg: signingAlgorithm, use: "sig" }],
    };
  }
}

/** Returns the `act` claim when it has the RFC 8693 shape, else undefined. */
function readActorClaim(value: unknown): ActorClaim | undefined {
  if (typeof value !== "object" || value === null) {
    return undefined;
  }
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  if (typeof sub !== "string") {
    return undefined;
  }
  const previous = readActorClaim(act);
  return previous === undefined ? { sub } : { sub, act: previous };
}

function describeVerificationFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) {
    return "The bearer token has expired. Request a new token.";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "The bearer token's signature does not match this workspace's signing key. Tokens from another workspace or an earlier run are not accepted; request a new token.";
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `The bearer token's \`${error.claim}\` claim is invalid for this workspace (${error.reason}). Request a token from this workspace.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return `The bearer token is not signed with ${signingAlgorithm}. Request a token from this workspace.`;
  }
  return "The bearer token is malformed: it is not a JWT issued by this workspace. Request a new token.";
}
