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

/**
 * The agent conversation a request continues. It always belongs to the requesting user,
 * so the Genie conversation ids it contains are only ever used with that user's token.
 */
export interface ConversationScope {
  /** Agent conversation id, as the client sends and receives it. */
  id: string;
  /** Workspace user id (SCIM `id`) of the owner, taken from the token. */
  ownerId: string;
  /** Returns the Genie conversation this agent conversation uses in a space, if any. */
  genieConversationId(spaceId: string): string | undefined;
  /** Stores the Genie conversation to continue in a space on the next question. */
  rememberGenieConversation(spaceId: string, genieConversationId: string): void;
  /** Drops a Genie conversation that Genie no longer has, so the next question starts one. */
  forgetGenieConversation(spaceId: string): void;
  /**
   * Runs `work` after every earlier `work` with the same key has finished, so that
   * parallel tool calls to one Genie space ask their questions one after another.
   */
  runExclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** Everything that belongs to one HTTP request and must never outlive it. */
export interface RequestScope {
  requestId: string;
  credential: UserCredential;
  user: UserIdentity;
  /** Aborted when the client disconnects or the request deadline passes. */
  signal: AbortSignal;
  /** Set while an agent turn runs; tools without it start a new Genie conversation per call. */
  conversation?: ConversationScope;
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
