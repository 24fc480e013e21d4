import type { Privilege, WorkspaceDefinition } from "../contracts.js";
import { tokenizeSql } from "../warehouse/sql-lexer.js";
import {
  principalNames,
  type Report,
  referencedTables,
  reportDuplicates,
} from "./check-support.js";
import { securableLevels } from "./table-checks.js";

const privilegeLevels: Readonly<Record<Privilege, readonly string[]>> = {
  "USE CATALOG": ["catalog"],
  "USE SCHEMA": ["catalog", "schema"],
  SELECT: ["catalog", "schema", "table"],
};

/** Checks that grants name known principals and securables, at a level that fits the privilege. */
export function checkGrants(
  definition: WorkspaceDefinition,
  report: Report,
): void {
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

export function checkRowFilters(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const tableNames = new Set(definition.tables.map((table) => table.name));

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
    checkExpression(
      definition,
      filter.expression,
      `${path}.expression`,
      report,
    );
  });
}

/** Checks that each mask names a known column, at most one mask per column. */
export function checkColumnMasks(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const masks = definition.columnMasks ?? [];
  reportDuplicates(
    masks.map((mask) => mask.name),
    (index) => `columnMasks[${index}].name`,
    "column mask name",
    report,
  );
  reportDuplicates(
    masks.map((mask) => `${mask.table}.${mask.column}`),
    (index) => `columnMasks[${index}].column`,
    "masked column (a column has at most one mask; combine the cases in one expression)",
    report,
  );

  masks.forEach((mask, index) => {
    const path = `columnMasks[${index}]`;
    const table = definition.tables.find(
      (candidate) => candidate.name === mask.table,
    );
    if (table === undefined) {
      report(
        `${path}.table`,
        `unknown table "${mask.table}"; use a table defined under tables`,
      );
    } else if (!table.columns.some((column) => column.name === mask.column)) {
      report(
        `${path}.column`,
        `"${mask.column}" is not a column of ${mask.table}; use one of: ${table.columns.map((column) => column.name).join(", ")}`,
      );
    }
    checkExpression(definition, mask.expression, `${path}.expression`, report);
  });
}

/** Checks the tables and group names that a row filter or mask expression refers to. */
function checkExpression(
  definition: WorkspaceDefinition,
  expression: string,
  path: string,
  report: Report,
): void {
  const tableNames = new Set(definition.tables.map((table) => table.name));
  const groupNames = new Set(definition.groups.map((group) => group.name));

  for (const name of referencedTables(expression)) {
    if (!tableNames.has(name)) {
      report(
        path,
        `refers to unknown table "${name}"; use a table defined under tables`,
      );
    }
  }
  // A misspelt group would hide rows or values silently, because the function returns
  // false for unknown groups.
  for (const group of literalGroupArguments(expression)) {
    if (!groupNames.has(group)) {
      report(
        path,
        `is_account_group_member('${group}') names an unknown group; use one of: ${[...groupNames].join(", ")}`,
      );
    }
  }
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
