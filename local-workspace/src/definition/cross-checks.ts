import type { Privilege, WorkspaceDefinition } from "../contracts.js";
import { tokenizeSql } from "../warehouse/sql-lexer.js";
import {
  principalNames,
  type Report,
  referencedTables,
  reportDuplicates,
} from "./check-support.js";
import type { DefinitionProblem } from "./definition-error.js";
import { checkGenieSpaces } from "./genie-space-checks.js";
import { checkPrincipals } from "./principal-checks.js";

/**
 * Checks the references between parts of a schema-valid definition: names are unique,
 * referenced groups, principals, tables and warehouses exist, group nesting has no
 * cycle, privileges fit their securables, and example SQL markers match the declared
 * parameters. Returns every problem found.
 */
export function crossCheckDefinition(
  definition: WorkspaceDefinition,
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const report = (path: string, message: string) =>
    problems.push({ path, message });

  checkPrincipals(definition, report);
  checkTables(definition, report);
  checkGrants(definition, report);
  checkRowFilters(definition, report);
  checkGenieSpaces(definition, report);
  checkResourcePermissions(definition, report);
  return problems;
}

function checkTables(definition: WorkspaceDefinition, report: Report): void {
  reportDuplicates(
    definition.tables.map((table) => table.name),
    (index) => `tables[${index}].name`,
    "table name",
    report,
  );

  definition.tables.forEach((table, tableIndex) => {
    const path = `tables[${tableIndex}]`;
    reportDuplicates(
      table.columns.map((column) => column.name),
      (index) => `${path}.columns[${index}].name`,
      "column name",
      report,
    );

    if (!("rows" in table.source)) {
      return;
    }
    const fields = new Set(
      table.columns.map((column) => column.sourceField ?? column.name),
    );
    table.source.rows.forEach((row, rowIndex) => {
      for (const key of Object.keys(row)) {
        if (!fields.has(key)) {
          report(
            `${path}.source.rows[${rowIndex}].${key}`,
            `not a column of ${table.name}; use one of: ${[...fields].join(", ")}`,
          );
        }
      }
    });
  });
}

/** Returns the securables the tables imply (catalogs, schemas and tables) with their level. */
function securableLevels(
  definition: WorkspaceDefinition,
): Map<string, "catalog" | "schema" | "table"> {
  const levels = new Map<string, "catalog" | "schema" | "table">();
  for (const table of definition.tables) {
    const [catalog, schema] = table.name.split(".");
    levels.set(`${catalog}`, "catalog");
    levels.set(`${catalog}.${schema}`, "schema");
    levels.set(table.name, "table");
  }
  return levels;
}

const privilegeLevels: Readonly<Record<Privilege, readonly string[]>> = {
  "USE CATALOG": ["catalog"],
  "USE SCHEMA": ["catalog", "schema"],
  SELECT: ["catalog", "schema", "table"],
};

function checkGrants(definition: WorkspaceDefinition, report: Report): void {
  const principals = principalNames(definition);
  const levels = securableLevels(definition);

  definition.grants.forEach((grant, index) => {
    const path = `grants[${index}]`;
    if (!principals.has(grant.principal)) {
      report(
        `${path}.principal`,
        `unknown principal "${grant.principal}"; use a user name, group name or service principal application id from this file`,
      );
    }

    const level = levels.get(grant.securable);
    if (level === undefined) {
      report(
        `${path}.securable`,
        `unknown securable "${grant.securable}"; name a catalog, schema or table that a table under tables defines`,
      );
      return;
    }
    grant.privileges.forEach((privilege, privilegeIndex) => {
      if (!privilegeLevels[privilege].includes(level)) {
        report(
          `${path}.privileges[${privilegeIndex}]`,
          `${privilege} cannot be granted on a ${level}; grant it on a ${privilegeLevels[privilege].join(" or ")}`,
        );
      }
    });
  });
}

function checkRowFilters(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const tableNames = new Set(definition.tables.map((table) => table.name));
  const groupNames = new Set(definition.groups.map((group) => group.name));

  reportDuplicates(
    definition.rowFilters.map((filter) => filter.name),
    (index) => `rowFilters[${index}].name`,
    "row filter name",
    report,
  );
  reportDuplicates(
    definition.rowFilters.map((filter) => filter.table),
    (index) => `rowFilters[${index}].table`,
    "row filter table (a table has at most one row filter; combine the conditions with OR or AND)",
    report,
  );

  definition.rowFilters.forEach((filter, index) => {
    const path = `rowFilters[${index}]`;
    if (!tableNames.has(filter.table)) {
      report(
        `${path}.table`,
        `unknown table "${filter.table}"; use a table defined under tables`,
      );
    }
    for (const name of referencedTables(filter.expression)) {
      if (!tableNames.has(name)) {
        report(
          `${path}.expression`,
          `refers to unknown table "${name}"; use a table defined under tables`,
        );
      }
    }
    // A misspelt group in a filter would hide rows silently, because the function
    // returns false for unknown groups.
    for (const group of literalGroupArguments(filter.expression)) {
      if (!groupNames.has(group)) {
        report(
          `${path}.expression`,
          `is_account_group_member('${group}') names an unknown group; use one of: ${[...groupNames].join(", ")}`,
        );
      }
    }
  });
}

/** Returns the string literals passed directly to `is_account_group_member(...)`. */
function literalGroupArguments(sql: string): string[] {
  const tokens = tokenizeSql(sql).filter(
    (token) => token.kind !== "whitespace" && token.kind !== "comment",
  );
  const groups: string[] = [];
  tokens.forEach((token, index) => {
    const argument = tokens[index + 2];
    if (
      token.kind === "word" &&
      token.value.toLowerCase() === "is_account_group_member" &&
      tokens[index + 1]?.text === "(" &&
      argument?.kind === "string" &&
      tokens[index + 3]?.text === ")"
    ) {
      groups.push(argument.value);
    }
  });
  return groups;
}

function checkResourcePermissions(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const principals = principalNames(definition);
  const resources = [
    { key: "servingEndpoints", items: definition.servingEndpoints },
    { key: "warehouses", items: definition.warehouses },
  ] as const;

  reportDuplicates(
    definition.servingEndpoints.map((endpoint) => endpoint.name),
    (index) => `servingEndpoints[${index}].name`,
    "serving endpoint name",
    report,
  );
  reportDuplicates(
    definition.warehouses.map((warehouse) => warehouse.id),
    (index) => `warehouses[${index}].id`,
    "warehouse id",
    report,
  );

  for (const { key, items } of resources) {
    items.forEach((item, itemIndex) => {
      item.permissions.forEach((permission, index) => {
        if (!principals.has(permission.principal)) {
          report(
            `${key}[${itemIndex}].permissions[${index}].principal`,
            `unknown principal "${permission.principal}"; use a user name, group name or application id from this file`,
          );
        }
      });
    });
  }
}
