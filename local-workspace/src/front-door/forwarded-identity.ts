import type { Session } from "./sessions.js";
import {
  WorkspaceCallError,
  type WorkspaceOAuthClient,
  type WorkspaceUser,
} from "./workspace-oauth-client.js";

/** The user a proxied request acts for, and the narrowed token the app receives. */
export interface ForwardedIdentity {
  user: WorkspaceUser;
  token: string;
}

/** The reason no identity could be forwarded. Status 401 means the caller must sign in again. */
export interface IdentityFailure {
  status: 401 | 403 | 502;
  message: string;
}

export function isIdentityFailure(
  value: ForwardedIdentity | IdentityFailure,
): value is IdentityFailure {
  return "status" in value;
}

function failureFrom(error: unknown): IdentityFailure {
  if (!(error instanceof WorkspaceCallError)) {
    throw error;
  }
  if (error.oauthError === "invalid_scope") {
    return { status: 403, message: error.message };
  }
  if (
    error.oauthError === "invalid_request" ||
    error.oauthError === "invalid_grant"
  ) {
    return { status: 401, message: error.message };
  }
  return { status: 502, message: error.message };
}

/**
 * Turns a session or a bearer token into the identity forwarded to the app: the user
 * and a token narrowed by token exchange to the app's user API scopes.
 */
export class ForwardedIdentityResolver {
  readonly #client: WorkspaceOAuthClient;
  readonly #scopes: readonly string[];
  readonly #renewalMarginMilliseconds: number;

  /**
   * `renewalMarginMilliseconds`: tokens with less time left are renewed before they are
   * forwarded, so a token outlives the longest request the front door lets through.
   */
  constructor(
    client: WorkspaceOAuthClient,
    scopes: readonly string[],
    renewalMarginMilliseconds: number,
  ) {
    this.#client = client;
    this.#scopes = scopes;
    this.#renewalMarginMilliseconds = renewalMarginMilliseconds;
  }

  async forSession(
    session: Session,
  ): Promise<ForwardedIdentity | IdentityFailure> {
    const forwarded = session.forwardedToken;
    if (forwarded !== undefined && this.#isFresh(forwarded.expiresAt)) {
      return { user: session.user, token: forwarded.accessToken };
    }

    // Parallel requests share one renewal, because a refresh token works only once.
    session.renewal ??= this.#renew(session).finally(() => {
      session.renewal = undefined;
    });
    return (await session.renewal) as ForwardedIdentity | IdentityFailure;
  }

  /** Exchanges a bearer token from an API client and looks up its user with SCIM Me. */
  async forBearer(token: string): Promise<ForwardedIdentity | IdentityFailure> {
    try {
      const narrowed = await this.#client.exchange(token, this.#scopes);
      const user = await this.#client.currentUser(narrowed.accessToken);
      return { user, token: narrowed.accessToken };
    } catch (error) {
      return failureFrom(error);
    }
  }

  async #renew(session: Session): Promise<ForwardedIdentity | IdentityFailure> {
    try {
      if (!this.#isFresh(session.userToken.expiresAt)) {
        const refreshToken = session.userToken.refreshToken;
        if (refreshToken === undefined) {
          return {
            status: 401,
            message: "The session's token has expired; sign in again.",
          };
        }
        const refreshed = await this.#client.refresh(refreshToken);
        session.userToken = {
          ...refreshed,
          refreshToken: refreshed.refreshToken ?? refreshToken,
        };
      }

      const narrowed = await this.#client.exchange(
        session.userToken.accessToken,
        this.#scopes,
      );
      session.forwardedToken = narrowed;
      return { user: session.user, token: narrowed.accessToken };
    } catch (error) {
      return failureFrom(error);
    }
  }

  #isFresh(expiresAt: number): boolean {
    return expiresAt - this.#renewalMarginMilliseconds > Date.now();
  }
}
