import { createHash } from "node:crypto";
import type { WorkspaceDefinition } from "../contracts.js";

/** A user or service principal of the definition, before any token is involved. */
export interface PrincipalIdentity {
  kind: "user" | "service_principal";
  id: string;
  /** Email for users, application id for service principals. */
  userName: string;
  displayName: string;
  /** Groups the definition lists for this principal. */
  directGroups: string[];
  /** Direct groups and every group they belong to, in breadth-first order. */
  groups: string[];
}

/**
 * Returns a stable numeric SCIM id for a user, group or service principal name. Databricks
 * SCIM ids are decimal strings; hashing the name keeps ids identical across restarts.
 */
export function scimId(name: string): string {
  const digest = createHash("sha256").update(name).digest();
  // 48 bits stay below Number.MAX_SAFE_INTEGER, so the id survives JSON number parsing.
  return digest.readUIntBE(0, 6).toString();
}

/**
 * Returns `directGroups` followed by every group they belong to, directly or through
 * other groups. Unknown group names are kept, and cycles end the walk.
 */
export function expandGroups(
  definition: WorkspaceDefinition,
  directGroups: readonly string[],
): string[] {
  const parents = new Map(
    definition.groups.map((group) => [group.name, group.groups ?? []]),
  );
  const seen = new Set<string>();
  const queue = [...directGroups];

  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) {
      continue;
    }
    seen.add(name);
    queue.push(...(parents.get(name) ?? []));
  }

  return [...seen];
}

/** Finds the user (by user name) or service principal (by application id) named `subject`. */
export function findPrincipalIdentity(
  definition: WorkspaceDefinition,
  subject: string,
): PrincipalIdentity | undefined {
  const user = definition.users.find(
    (candidate) => candidate.userName === subject,
  );
  if (user !== undefined) {
    return {
      kind: "user",
      id: scimId(user.userName),
      userName: user.userName,
      displayName: user.displayName,
      directGroups: user.groups,
      groups: expandGroups(definition, user.groups),
    };
  }

  const servicePrincipal = definition.servicePrincipals.find(
    (candidate) => candidate.applicationId === subject,
  );
  if (servicePrincipal !== undefined) {
    const directGroups = servicePrincipal.groups ?? [];
    return {
      kind: "service_principal",
      id: scimId(servicePrincipal.applicationId),
      userName: servicePrincipal.applicationId,
      displayName: servicePrincipal.displayName,
      directGroups,
      groups: expandGroups(definition, directGroups),
    };
  }

  return undefined;
}
