import type { WorkspaceDefinition } from "../contracts.js";
import { findParameterMarkers } from "../warehouse/sql-lexer.js";
import {
  principalNames,
  type Report,
  referencedTables,
  reportDuplicates,
} from "./check-support.js";

/**
 * Checks Genie spaces: unique ids, known warehouses, tables and principals, example SQL
 * that stays within the space's tables, and markers that match declared parameters.
 */
export function checkGenieSpaces(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const tableNames = new Set(definition.tables.map((table) => table.name));
  const warehouseIds = new Set(
    definition.warehouses.map((warehouse) => warehouse.id),
  );
  const principals = principalNames(definition);

  reportDuplicates(
    definition.genieSpaces.map((space) => space.id),
    (index) => `genieSpaces[${index}].id`,
    "Genie space id",
    report,
  );

  definition.genieSpaces.forEach((space, spaceIndex) => {
    const path = `genieSpaces[${spaceIndex}]`;
    if (!warehouseIds.has(space.warehouseId)) {
      report(
        `${path}.warehouseId`,
        `unknown warehouse "${space.warehouseId}"; use the id of a warehouse under warehouses`,
      );
    }
    space.tables.forEach((table, index) => {
      if (!tableNames.has(table)) {
        report(
          `${path}.tables[${index}]`,
          `unknown table "${table}"; use a table defined under tables`,
        );
      }
    });
    space.permissions.forEach((permission, index) => {
      if (!principals.has(permission.principal)) {
        report(
          `${path}.permissions[${index}].principal`,
          `unknown principal "${permission.principal}"; use a user name, group name or application id from this file`,
        );
      }
    });

    const spaceTables = new Set(space.tables);
    space.exampleQueries.forEach((example, exampleIndex) => {
      const examplePath = `${path}.exampleQueries[${exampleIndex}]`;
      for (const name of referencedTables(example.sql)) {
        if (!spaceTables.has(name)) {
          report(
            `${examplePath}.sql`,
            `refers to table "${name}", which is not among the space's tables; add it to ${path}.tables or change the query`,
          );
        }
      }
      checkExampleParameters(example, examplePath, report);
    });
  });
}

function checkExampleParameters(
  example: WorkspaceDefinition["genieSpaces"][number]["exampleQueries"][number],
  path: string,
  report: Report,
): void {
  const declared = example.parameters ?? [];
  const markers = findParameterMarkers(example.sql);
  const declaredNames = new Set(declared.map((parameter) => parameter.name));

  reportDuplicates(
    declared.map((parameter) => parameter.name),
    (index) => `${path}.parameters[${index}].name`,
    "parameter name",
    report,
  );
  for (const marker of markers) {
    if (!declaredNames.has(marker)) {
      report(
        `${path}.sql`,
        `uses the marker :${marker}, which is not declared; add {name: ${marker}, kind: ...} to ${path}.parameters`,
      );
    }
  }
  declared.forEach((parameter, index) => {
    if (!markers.includes(parameter.name)) {
      report(
        `${path}.parameters[${index}].name`,
        `parameter "${parameter.name}" does not appear as :${parameter.name} in the SQL; use it or remove the declaration`,
      );
    }
  });
}
