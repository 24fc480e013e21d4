import { z } from "zod";

/**
 * Longest Postgres role name (NAMEDATALEN - 1 bytes). Every user, group and service
 * principal becomes a role, so longer names would be silently truncated.
 */
export const maximumPrincipalNameLength = 63;

/** A user name, group name or service principal application id. */
export const principalName = z
  .string()
  .min(1)
  .max(maximumPrincipalNameLength)
  .regex(
    /^[\p{L}\p{N}_.@+-]+$/u,
    "expected letters, digits and the characters _ . @ + - only",
  );

export const userName = principalName.regex(
  /^[^@]+@[^@]+$/,
  "expected an email-style user name such as alice@example.com",
);

/** An id that appears in URL paths: Genie space, warehouse and endpoint ids. */
export const identifier = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]+$/,
    "expected letters, digits, underscores and hyphens only, because the id appears in URL paths",
  );

const lowerCaseName = "[a-z_][a-z0-9_]*";

/** A lower-case catalog, schema or column name. */
export const lowerCaseIdentifier = z
  .string()
  .regex(
    new RegExp(`^${lowerCaseName}$`),
    "expected a lower-case name of letters, digits and underscores",
  );

/** A lower-case three-level name `catalog.schema.table`. */
export const tableName = z
  .string()
  .regex(
    new RegExp(`^${lowerCaseName}(\\.${lowerCaseName}){2}$`),
    "expected a lower-case three-level name catalog.schema.table",
  );

/** A lower-case `catalog`, `catalog.schema` or `catalog.schema.table`. */
export const securableName = z
  .string()
  .regex(
    new RegExp(`^${lowerCaseName}(\\.${lowerCaseName}){0,2}$`),
    "expected a lower-case catalog, catalog.schema or catalog.schema.table",
  );
