import type { WorkspaceDefinition } from "../contracts.js";
import { findPrincipalIdentity } from "./principals.js";
import { allApisScope } from "./scopes.js";
import type { IssuedToken, TokenService } from "./token-service.js";

/** OAuth client id written into tokens from the local sign-in route and `issueToken`. */
export const localSignInClientId = "local-workspace-sign-in";

/** Maximum lifetime a caller may request for a signed-in user's token: one day. */
export const maximumTokenLifetimeSeconds = 86_400;

/** Thrown when a token is requested for a name that is not a principal of the workspace. */
export class UnknownPrincipalError extends Error {
  readonly principalName: string;

  constructor(principalName: string, definition: WorkspaceDefinition) {
    const known = definition.users.map((user) => user.userName).join(", ");
    super(
      `User '${principalName}' does not exist in this workspace. Known users: ${known}.`,
    );
    this.name = "UnknownPrincipalError";
    this.principalName = principalName;
  }
}

export interface PrincipalTokenOptions {
  /** Scopes of the token; defaults to `all-apis`. */
  scopes?: readonly string[];
  lifetimeSeconds?: number;
  /** Whether service principals may receive a token, not only users. */
  allowServicePrincipals?: boolean;
}

/**
 * Issues a token for a user (by user name) or, when allowed, a service principal (by
 * application id) without a client secret: the local stand-in for an interactive
 * sign-in. Throws `UnknownPrincipalError` for other names.
 */
export async function issuePrincipalToken(
  tokens: TokenService,
  definition: WorkspaceDefinition,
  principalName: string,
  options: PrincipalTokenOptions = {},
): Promise<IssuedToken> {
  const identity = findPrincipalIdentity(definition, principalName);
  const allowed =
    identity !== undefined &&
    (identity.kind === "user" || options.allowServicePrincipals === true);
  if (!allowed) {
    throw new UnknownPrincipalError(principalName, definition);
  }

  return tokens.issue({
    subject: identity.userName,
    scopes: options.scopes ?? [allApisScope],
    clientId:
      identity.kind === "service_principal"
        ? identity.userName
        : localSignInClientId,
    lifetimeSeconds: options.lifetimeSeconds,
  });
}
