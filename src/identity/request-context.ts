import { AsyncLocalStorage } from "node:async_hooks";
import { NoRequestIdentityError } from "../errors/errors.js";
import type { UserCredential } from "./user-credential.js";

/** Who the user is, as the workspace reported it for their token. */
export interface UserIdentity {
  /** Workspace user id (SCIM `id`). */
  id: string;
  /** Workspace user name, usually the email address (SCIM `userName`). */
  userName: string;
  displayName?: string;
}

/** Everything that belongs to one HTTP request and must never outlive it. */
export interface RequestScope {
  requestId: string;
  credential: UserCredential;
  user: UserIdentity;
  /** Aborted when the client disconnects or the request deadline passes. */
  signal: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `work` with `scope` as the current request scope for all async work it starts. */
export function runInRequestScope<T>(scope: RequestScope, work: () => T): T {
  return storage.run(scope, work);
}

/** Returns the current request scope, or undefined outside a request. */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/**
 * Returns the current request scope or throws `NoRequestIdentityError`, naming the
 * operation that asked. Tools that act as the user call this when they run.
 */
export function requireRequestScope(operation: string): RequestScope {
  const scope = storage.getStore();
  if (scope === undefined) {
    throw new NoRequestIdentityError(operation);
  }
  return scope;
}
