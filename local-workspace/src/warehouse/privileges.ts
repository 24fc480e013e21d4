import type { Privilege, WorkspaceDefinition } from "../contracts.js";

/**
 * Unity Catalog privileges of the definition's principals, with inheritance through
 * group membership (a member has every privilege of its groups) and down the securable
 * hierarchy (a privilege on a catalog covers its schemas and tables).
 */
export class PrivilegeModel {
  readonly #definition: WorkspaceDefinition;
  readonly #directGroups: Map<string, readonly string[]>;

  constructor(definition: WorkspaceDefinition) {
    this.#definition = definition;
    this.#directGroups = new Map<string, readonly string[]>([
      ...definition.users.map((user) => [user.userName, user.groups] as const),
      ...definition.groups.map(
        (group) => [group.name, group.groups ?? []] as const,
      ),
      ...definition.servicePrincipals.map(
        (servicePrincipal) =>
          [
            servicePrincipal.applicationId,
            servicePrincipal.groups ?? [],
          ] as const,
      ),
    ]);
  }

  /** Returns every principal name: users, groups and service principals. */
  principalNames(): string[] {
    return [...this.#directGroups.keys()];
  }

  /** Groups `principal` belongs to directly. */
  directGroups(principal: string): readonly string[] {
    return this.#directGroups.get(principal) ?? [];
  }

  /** `principal` itself and every group it belongs to, directly or nested. */
  identities(principal: string): Set<string> {
    const seen = new Set<string>();
    const queue = [principal];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (!seen.has(name)) {
        seen.add(name);
        queue.push(...this.directGroups(name));
      }
    }
    return seen;
  }

  /** Returns true when `principal` has `privilege` on `securable` or on a parent of it. */
  has(principal: string, privilege: Privilege, securable: string): boolean {
    const identities = this.identities(principal);
    return this.#definition.grants.some(
      (grant) =>
        identities.has(grant.principal) &&
        grant.privileges.includes(privilege) &&
        covers(grant.securable, securable),
    );
  }
}

/** Returns true when `granted` is `securable` or one of its parents. */
function covers(granted: string, securable: string): boolean {
  return securable === granted || securable.startsWith(`${granted}.`);
}
