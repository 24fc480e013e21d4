import type { WorkspaceDefinition } from "../contracts.js";
import { type Report, reportDuplicates } from "./check-support.js";

/**
 * Role names Postgres reserves, `postgres` (the superuser the warehouse runs as) and
 * `local_workspace_owner` (the role that owns the tables). A principal cannot become a
 * role with one of these names.
 */
const reservedRoleNames = new Set([
  "postgres",
  "local_workspace_owner",
  "public",
  "none",
  "current_user",
  "current_role",
  "session_user",
]);

/**
 * Checks that principal names are unique and not reserved, that every referenced group
 * exists, and that group nesting has no cycle.
 */
export function checkPrincipals(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  // Users, groups and service principals share one namespace of Postgres roles.
  const entries = [
    ...definition.users.map((user, index) => ({
      name: user.userName,
      path: `users[${index}].userName`,
    })),
    ...definition.groups.map((group, index) => ({
      name: group.name,
      path: `groups[${index}].name`,
    })),
    ...definition.servicePrincipals.map((servicePrincipal, index) => ({
      name: servicePrincipal.applicationId,
      path: `servicePrincipals[${index}].applicationId`,
    })),
  ];
  reportDuplicates(
    entries.map((entry) => entry.name.toLowerCase()),
    (index) => entries[index]?.path ?? "",
    "principal name (user names, group names and application ids must differ, ignoring case, because each becomes a Postgres role)",
    report,
  );
  for (const entry of entries) {
    const lowerCase = entry.name.toLowerCase();
    if (reservedRoleNames.has(lowerCase) || lowerCase.startsWith("pg_")) {
      report(
        entry.path,
        `"${entry.name}" is reserved by Postgres; choose another name`,
      );
    }
  }

  const groupNames = new Set(definition.groups.map((group) => group.name));
  const checkGroupList = (groups: readonly string[], path: string) => {
    groups.forEach((group, index) => {
      if (!groupNames.has(group)) {
        report(
          `${path}[${index}]`,
          `unknown group "${group}"; add it under groups or use one of: ${[...groupNames].join(", ")}`,
        );
      }
    });
  };
  definition.users.forEach((user, index) => {
    checkGroupList(user.groups, `users[${index}].groups`);
  });
  definition.groups.forEach((group, index) => {
    checkGroupList(group.groups ?? [], `groups[${index}].groups`);
  });
  definition.servicePrincipals.forEach((servicePrincipal, index) => {
    checkGroupList(
      servicePrincipal.groups ?? [],
      `servicePrincipals[${index}].groups`,
    );
  });

  checkGroupCycles(definition, report);
}

/** Postgres rejects circular role membership, so a cycle would fail at start. */
function checkGroupCycles(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const parents = new Map(
    definition.groups.map((group) => [group.name, group.groups ?? []]),
  );
  const reaches = (from: string, target: string): boolean => {
    const seen = new Set<string>();
    const queue = [...(parents.get(from) ?? [])];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (name === target) {
        return true;
      }
      if (!seen.has(name)) {
        seen.add(name);
        queue.push(...(parents.get(name) ?? []));
      }
    }
    return false;
  };

  definition.groups.forEach((group, index) => {
    if (reaches(group.name, group.name)) {
      report(
        `groups[${index}].groups`,
        `group "${group.name}" belongs to itself through its parent groups; remove one membership to break the cycle`,
      );
    }
  });
}
