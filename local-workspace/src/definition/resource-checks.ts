import type { WorkspaceDefinition } from "../contracts.js";
import {
  principalNames,
  type Report,
  reportDuplicates,
} from "./check-support.js";

/** Checks serving endpoint and warehouse names and the principals of their permissions. */
export function checkResourcePermissions(
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

/**
 * Checks that the app runs as a known service principal and names existing resources.
 *
 * NOTE: Databricks grants each app resource's permission to the app's service principal.
 * The local workspace does not, so list the service principal in each resource's own
 * permissions too.
 */
export function checkApp(
  definition: WorkspaceDefinition,
  report: Report,
): void {
  const app = definition.app;
  if (app === undefined) {
    return;
  }

  const applicationIds = definition.servicePrincipals.map(
    (servicePrincipal) => servicePrincipal.applicationId,
  );
  if (!applicationIds.includes(app.servicePrincipal)) {
    report(
      "app.servicePrincipal",
      `unknown service principal "${app.servicePrincipal}"; use the applicationId of one under servicePrincipals: ${applicationIds.join(", ")}`,
    );
  }

  reportDuplicates(
    app.resources.map((resource) => resource.name),
    (index) => `app.resources[${index}].name`,
    "resource key",
    report,
  );

  app.resources.forEach((resource, index) => {
    const path = `app.resources[${index}]`;
    if ("servingEndpoint" in resource) {
      const names = definition.servingEndpoints.map(
        (endpoint) => endpoint.name,
      );
      if (!names.includes(resource.servingEndpoint.name)) {
        report(
          `${path}.servingEndpoint.name`,
          `unknown serving endpoint "${resource.servingEndpoint.name}"; use one under servingEndpoints: ${names.join(", ")}`,
        );
      }
    } else if ("genieSpace" in resource) {
      const ids = definition.genieSpaces.map((space) => space.id);
      if (!ids.includes(resource.genieSpace.spaceId)) {
        report(
          `${path}.genieSpace.spaceId`,
          `unknown Genie space "${resource.genieSpace.spaceId}"; use the id of one under genieSpaces: ${ids.join(", ")}`,
        );
      }
    } else {
      const ids = definition.warehouses.map((warehouse) => warehouse.id);
      if (!ids.includes(resource.sqlWarehouse.id)) {
        report(
          `${path}.sqlWarehouse.id`,
          `unknown warehouse "${resource.sqlWarehouse.id}"; use the id of one under warehouses: ${ids.join(", ")}`,
        );
      }
    }
  });
}
