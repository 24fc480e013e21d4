import { z } from "zod";
import type { WorkspaceDefinition } from "../contracts.js";
import {
  principalName,
  securableName,
  tableName,
  userName,
} from "./name-schemas.js";
import {
  app,
  genieSpace,
  servingEndpoint,
  warehouse,
} from "./resource-schema.js";
import { catalog, table } from "./table-schema.js";

export { maximumPrincipalNameLength } from "./name-schemas.js";

const grant = z.strictObject({
  principal: principalName,
  privileges: z.array(z.enum(["USE CATALOG", "USE SCHEMA", "SELECT"])).min(1),
  securable: securableName,
});

const rowFilter = z.strictObject({
  table: tableName,
  name: z.string().min(1),
  expression: z
    .string()
    .min(1)
    .describe(
      "boolean SQL over the table's columns; may call is_account_group_member('group') and current_user()",
    ),
});

const columnMask = z.strictObject({
  table: tableName,
  column: z.string().min(1),
  name: z.string().min(1),
  expression: z
    .string()
    .min(1)
    .describe(
      "SQL over the table's columns whose value the querying user reads in place of the column, such as CASE WHEN is_account_group_member('finance') THEN cost END",
    ),
});

/** Schema of a workspace definition; lists default to empty when omitted. */
export const workspaceDefinitionSchema = z.strictObject({
  workspaceId: z
    .string()
    .regex(
      /^\d{1,19}$/,
      "expected a numeric workspace id in quotes, such as '1234567890123456'",
    ),
  users: z.array(
    z.strictObject({
      userName,
      displayName: z.string().min(1),
      groups: z.array(principalName),
    }),
  ),
  groups: z
    .array(
      z.strictObject({
        name: principalName,
        displayName: z.string().min(1).optional(),
        groups: z
          .array(principalName)
          .optional()
          .describe("groups this group belongs to (nested groups)"),
      }),
    )
    .default([]),
  servicePrincipals: z
    .array(
      z.strictObject({
        applicationId: principalName.describe(
          "OAuth client id of the service principal",
        ),
        displayName: z.string().min(1),
        clientSecret: z.string().min(1),
        groups: z.array(principalName).optional(),
      }),
    )
    .default([]),
  catalogs: z
    .array(catalog)
    .optional()
    .describe(
      "catalogs and schemas with comments; when present, every table must be in a schema listed here",
    ),
  tables: z.array(table).default([]),
  grants: z.array(grant).default([]),
  rowFilters: z.array(rowFilter).default([]),
  columnMasks: z.array(columnMask).optional(),
  genieSpaces: z.array(genieSpace).default([]),
  servingEndpoints: z.array(servingEndpoint).default([]),
  warehouses: z.array(warehouse).default([]),
  app: app.optional(),
});

type IsExactly<Left, Right> =
  (<T>() => T extends Left ? 1 : 2) extends <T>() => T extends Right ? 1 : 2
    ? true
    : false;

/**
 * Fails to compile when the schema's output and the `WorkspaceDefinition` interface
 * drift apart in either direction.
 */
const schemaMatchesInterface: IsExactly<
  z.output<typeof workspaceDefinitionSchema>,
  WorkspaceDefinition
> = true;
void schemaMatchesInterface;
