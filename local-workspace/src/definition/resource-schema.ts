import { z } from "zod";
import { identifier, principalName, tableName } from "./name-schemas.js";

const genieParameter = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      "expected a marker name of letters, digits and underscores",
    ),
  kind: z
    .enum(["month", "airport", "state", "integer"])
    .describe(
      "what Genie looks for in a question: a month name, an airport code or city, a US state name or code, or a whole number",
    ),
  minimum: z
    .number()
    .int()
    .optional()
    .describe("for kind integer: the smallest number the parameter accepts"),
  maximum: z
    .number()
    .int()
    .optional()
    .describe("for kind integer: the largest number the parameter accepts"),
});

export const genieSpace = z.strictObject({
  id: identifier,
  title: z.string().min(1),
  description: z.string(),
  warehouseId: identifier.describe("id of a warehouse under warehouses"),
  tables: z.array(tableName).min(1),
  instructions: z.string(),
  sampleQuestions: z
    .array(z.string().min(1))
    .describe("questions Genie suggests when it cannot answer"),
  exampleQueries: z.array(
    z.strictObject({
      question: z.string().min(1),
      sql: z
        .string()
        .min(1)
        .describe("Databricks SQL with :name markers for the parameters"),
      description: z
        .string()
        .min(1)
        .describe("one sentence on what the query computes"),
      parameters: z.array(genieParameter).optional(),
    }),
  ),
  permissions: z.array(
    z.strictObject({
      principal: principalName,
      level: z.enum(["CAN_VIEW", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"]),
    }),
  ),
});

export const servingEndpoint = z.strictObject({
  name: identifier,
  permissions: z.array(
    z.strictObject({
      principal: principalName,
      level: z.enum(["CAN_QUERY", "CAN_VIEW", "CAN_MANAGE"]),
    }),
  ),
});

export const warehouse = z.strictObject({
  id: identifier,
  name: z.string().min(1),
  permissions: z.array(
    z.strictObject({
      principal: principalName,
      level: z.enum(["CAN_USE", "CAN_MANAGE"]),
    }),
  ),
});

const resourceKey = {
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+$/,
      "expected a resource key of letters, digits, underscores and hyphens",
    )
    .describe("resource key, which app.yaml refers to with valueFrom"),
  description: z.string().optional(),
};

const appResource = z.union([
  z.strictObject({
    ...resourceKey,
    servingEndpoint: z.strictObject({
      name: identifier.describe("name of an endpoint under servingEndpoints"),
      permission: z.literal("CAN_QUERY"),
    }),
  }),
  z.strictObject({
    ...resourceKey,
    genieSpace: z.strictObject({
      spaceId: identifier.describe("id of a space under genieSpaces"),
      permission: z.literal("CAN_RUN"),
    }),
  }),
  z.strictObject({
    ...resourceKey,
    sqlWarehouse: z.strictObject({
      id: identifier.describe("id of a warehouse under warehouses"),
      permission: z.literal("CAN_USE"),
    }),
  }),
]);

export const app = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9-]+$/,
      "expected an app name of lower-case letters, digits and hyphens, as Databricks requires",
    ),
  description: z.string().optional(),
  servicePrincipal: principalName.describe(
    "application id of the service principal under servicePrincipals that the app runs as",
  ),
  userApiScopes: z
    .array(
      z
        .string()
        .regex(
          /^[A-Za-z0-9._*:-]+$/,
          "expected an OAuth scope name such as sql or dashboards.genie",
        ),
    )
    .describe(
      "OAuth scopes of the user tokens the app receives, such as sql, dashboards.genie and serving.serving-endpoints",
    ),
  resources: z.array(appResource),
});
