import { randomBytes } from "node:crypto";
import type {
  WorkspaceToken,
  WorkspaceUser,
} from "./workspace-oauth-client.js";

/** How long a front door session lasts after sign-in, whatever the activity: 12 hours. */
export const sessionLifetimeSeconds = 43_200;

/** How long a started sign-in may take before its state is forgotten: 10 minutes. */
export const pendingSignInLifetimeSeconds = 600;

/** A signed-in browser. The tokens stay in this process and never reach the browser. */
export interface Session {
  /** Random id, the value of the session cookie. */
  id: string;
  user: WorkspaceUser;
  /** The user's token from sign-in, with its refresh token. */
  userToken: WorkspaceToken;
  /** The narrowed token forwarded to the app, reused until it nears expiry. */
  forwardedToken?: WorkspaceToken;
  /** A renewal in progress, shared so that parallel requests use one refresh token once. */
  renewal?: Promise<unknown>;
  /** End of the session, in epoch milliseconds. */
  expiresAt: number;
}

/** A sign-in between the redirect to the workspace and the return to the callback. */
export interface PendingSignIn {
  /** The OAuth `state`, also kept in a cookie to bind the sign-in to this browser. */
  state: string;
  codeVerifier: string;
  /** Path to return to after sign-in. */
  returnTo: string;
  expiresAt: number;
}

function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** In-memory sessions and pending sign-ins of one front door. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #pending = new Map<string, PendingSignIn>();

  create(user: WorkspaceUser, userToken: WorkspaceToken): Session {
    this.#removeExpired();
    const session: Session = {
      id: randomToken(),
      user,
      userToken,
      expiresAt: Date.now() + sessionLifetimeSeconds * 1000,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (id === undefined) {
      return undefined;
    }
    const session = this.#sessions.get(id);
    if (session !== undefined && session.expiresAt <= Date.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) {
      this.#sessions.delete(id);
    }
  }

  startSignIn(returnTo: string): PendingSignIn {
    this.#removeExpired();
    const pending: PendingSignIn = {
      state: randomToken(),
      codeVerifier: randomToken(),
      returnTo,
      expiresAt: Date.now() + pendingSignInLifetimeSeconds * 1000,
    };
    this.#pending.set(pending.state, pending);
    return pending;
  }

  /** Removes the pending sign-in of `state` and returns it, if it has not expired. */
  finishSignIn(state: string): PendingSignIn | undefined {
    const pending = this.#pending.get(state);
    this.#pending.delete(state);
    return pending !== undefined && pending.expiresAt > Date.now()
      ? pending
      : undefined;
  }

  #removeExpired(): void {
    const now = Date.now();
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt <= now) {
        this.#sessions.delete(id);
      }
    }
    for (const [state, pending] of this.#pending) {
      if (pending.expiresAt <= now) {
        this.#pending.delete(state);
      }
    }
  }
}
