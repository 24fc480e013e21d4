import { z } from "zod";
import type { WorkspaceDefinition } from "../contracts.js";

/**
 * Longest Postgres role name (NAMEDATALEN - 1 bytes). Every user, group and service
 * principal becomes a role, so longer names would be silently truncated.
 */
export const maximumPrincipalNameLength = 63;

const lowerCaseName = "[a-z_][a-z0-9_]*";
const tableNamePattern = new RegExp(
  `^${lowerCaseName}(\\.${lowerCaseName}){2}$`,
);
const securablePattern = new RegExp(
  `^${lowerCaseName}(\\.${lowerCaseName}){0,2}$`,
);

const principalName = z
  .string()
  .min(1)
  .max(maximumPrincipalNameLength)
  .regex(
    /^[\p{L}\p{N}_.@+-]+$/u,
    "expected letters, digits and the characters _ . @ + - only",
  );

const userName = principalName.regex(
  /^[^@]+@[^@]+$/,
  "expected an email-style user name such as alice@example.com",
);

const identifier = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]+$/,
    "expected letters, digits, underscores and hyphens only, because the id appears in URL paths",
  );

const tableName = z
  .string()
  .regex(
    tableNamePattern,
    "expected a lower-case three-level name catalog.schema.table",
  );

const columnName = z
  .string()
  .regex(
    new RegExp(`^${lowerCaseName}$`),
    "expected a lower-case column name of letters, digits and underscores",
  );

const columnType = z.enum([
  "STRING",
  "INT",
  "LONG",
  "DOUBLE",
  "DECIMAL",
  "BOOLEAN",
  "DATE",
  "TIMESTAMP",
]);

const fileFormat = z.enum(["json", "csv"]);

const tableSource = z.union([
  z.strictObject({
    format: fileFormat,
    package: z.string().min(1),
    path: z.string().min(1),
  }),
  z.strictObject({ format: fileFormat, path: z.string().min(1) }),
  z.strictObject({
    rows: z.array(
      z.record(
        z.string(),
        z.union([z.string(), z.number(), z.boolean(), z.null()]),
      ),
    ),
  }),
]);

const table = z.strictObject({
  name: tableName,
  comment: z.string().optional(),
  columns: z
    .array(
      z.strictObject({
        name: columnName,
        type: columnType,
        sourceField: z.string().min(1).optional(),
        comment: z.string().optional(),
      }),
    )
    .min(1),
  source: tableSource,
});

const grant = z.strictObject({
  principal: principalName,
  privileges: z.array(z.enum(["USE CATALOG", "USE SCHEMA", "SELECT"])).min(1),
  securable: z
    .string()
    .regex(
      securablePattern,
      "expected a lower-case catalog, catalog.schema or catalog.schema.table",
    ),
});

const rowFilter = z.strictObject({
  table: tableName,
  name: z.string().min(1),
  expression: z.string().min(1),
});

const genieParameter = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      "expected a marker name of letters, digits and underscores",
    ),
  kind: z.enum(["month", "airport", "state", "integer"]),
});

const genieSpace = z.strictObject({
  id: identifier,
  title: z.string().min(1),
  description: z.string(),
  warehouseId: identifier,
  tables: z.array(tableName).min(1),
  instructions: z.string(),
  sampleQuestions: z.array(z.string().min(1)),
  exampleQueries: z.array(
    z.strictObject({
      question: z.string().min(1),
      sql: z.string().min(1),
      description: z.string().min(1),
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

/** Schema of a workspace definition file; lists default to empty when omitted. */
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
        groups: z.array(principalName).optional(),
      }),
    )
    .default([]),
  servicePrincipals: z
    .array(
      z.strictObject({
        applicationId: principalName,
        displayName: z.string().min(1),
        clientSecret: z.string().min(1),
        groups: z.array(principalName).optional(),
      }),
    )
    .default([]),
  tables: z.array(table).default([]),
  grants: z.array(grant).default([]),
  rowFilters: z.array(rowFilter).default([]),
  genieSpaces: z.array(genieSpace).default([]),
  servingEndpoints: z
    .array(
      z.strictObject({
        name: identifier,
        permissions: z.array(
          z.strictObject({
            principal: principalName,
            level: z.enum(["CAN_QUERY", "CAN_VIEW", "CAN_MANAGE"]),
          }),
        ),
      }),
    )
    .default([]),
  warehouses: z
    .array(
      z.strictObject({
        id: identifier,
        name: z.string().min(1),
        permissions: z.array(
          z.strictObject({
            principal: principalName,
            level: z.enum(["CAN_USE", "CAN_MANAGE"]),
          }),
        ),
      }),
    )
    .default([]),
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
