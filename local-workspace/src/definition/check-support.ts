import type { WorkspaceDefinition } from "../contracts.js";
import { findThreeLevelNames, tokenizeSql } from "../warehouse/sql-lexer.js";

/** Records one problem at a field path. */
export type Report = (path: string, message: string) => void;

/** Reports every value after the first that repeats an earlier one. */
export function reportDuplicates(
  values: readonly string[],
  pathOf: (index: number) => string,
  label: string,
  report: Report,
): void {
  const firstIndex = new Map<string, number>();
  values.forEach((value, index) => {
    const earlier = firstIndex.get(value);
    if (earlier === undefined) {
      firstIndex.set(value, index);
      return;
    }
    report(
      pathOf(index),
      `duplicate ${label} "${value}", already used at ${pathOf(earlier)}; give each one a unique name`,
    );
  });
}

/** Returns the names of all users, groups and service principals. */
export function principalNames(definition: WorkspaceDefinition): Set<string> {
  return new Set([
    ...definition.users.map((user) => user.userName),
    ...definition.groups.map((group) => group.name),
    ...definition.servicePrincipals.map(
      (servicePrincipal) => servicePrincipal.applicationId,
    ),
  ]);
}

/** Returns the three-level table names `sql` refers to. */
export function referencedTables(sql: string): string[] {
  return findThreeLevelNames(tokenizeSql(sql)).map((name) => name.name);
}
