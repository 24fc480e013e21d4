import type { WorkspaceDefinition } from "../contracts.js";
import type { DefinitionProblem } from "./definition-error.js";
import { checkGenieSpaces } from "./genie-space-checks.js";
import { checkPrincipals } from "./principal-checks.js";
import { checkApp, checkResourcePermissions } from "./resource-checks.js";
import {
  checkColumnMasks,
  checkGrants,
  checkRowFilters,
} from "./security-checks.js";
import { checkCatalogs, checkTables } from "./table-checks.js";

/**
 * Checks the references between parts of a schema-valid definition: names are unique,
 * referenced groups, principals, catalogs, tables, columns and resources exist, group
 * nesting has no cycle, privileges fit their securables, table queries read only earlier
 * tables, and example SQL markers match the declared parameters. Returns every problem
 * found.
 */
export function crossCheckDefinition(
  definition: WorkspaceDefinition,
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const report = (path: string, message: string) =>
    problems.push({ path, message });

  checkPrincipals(definition, report);
  checkCatalogs(definition, report);
  checkTables(definition, report);
  checkGrants(definition, report);
  checkRowFilters(definition, report);
  checkColumnMasks(definition, report);
  checkGenieSpaces(definition, report);
  checkResourcePermissions(definition, report);
  checkApp(definition, report);
  return problems;
}
