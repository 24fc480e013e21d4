import { type Privilege, WarehouseError } from "../contracts.js";
import { storageSchema } from "./postgres-names.js";
import type { PrivilegeModel } from "./privileges.js";

/** Facts about a failed statement that its error message draws on. */
export interface FailedStatement {
  /** Role the statement ran as; undefined for the administrator. */
  principal: string | undefined;
  /** Known three-level tables the statement named. */
  referencedTables: readonly string[];
  /** Every three-level table of the warehouse. */
  tableNames: readonly string[];
  privileges: PrivilegeModel;
}

interface PostgresError {
  code: string;
  message: string;
}

function isPostgresError(error: unknown): error is PostgresError {
  return (
    error instanceof Error &&
    typeof (error as Partial<PostgresError>).code === "string"
  );
}

/**
 * Translates a Postgres error into a `WarehouseError` with the Databricks error class
 * and a message that uses three-level names. Errors that are not Postgres errors are
 * returned unchanged.
 */
export function toWarehouseError(
  error: unknown,
  statement: FailedStatement,
): unknown {
  if (error instanceof WarehouseError || !isPostgresError(error)) {
    return error;
  }
  const { code, message } = error;
  const quoted = /"([^"]+)"/.exec(message)?.[1];

  switch (code) {
    case "42501":
      return permissionDenied(message, statement);
    case "25006":
      return new WarehouseError(
        "INSUFFICIENT_PERMISSIONS",
        `The warehouse is read-only, so statements that write data cannot run (Postgres reported: ${message}).`,
        code,
      );
    case "42P01":
    case "0A000":
      return new WarehouseError(
        "TABLE_OR_VIEW_NOT_FOUND",
        `The table or view \`${quoted ?? "unknown"}\` was not found. Check the spelling and use a three-level name catalog.schema.table.`,
        "42P01",
      );
    case "3F000":
      return new WarehouseError(
        "SCHEMA_NOT_FOUND",
        `The schema \`${quoted ?? "unknown"}\` was not found. Use a three-level name catalog.schema.table.`,
        code,
      );
    case "42703":
      return new WarehouseError(
        "UNRESOLVED_COLUMN",
        `A column or field named \`${quoted ?? "unknown"}\` cannot be resolved: ${message}.`,
        code,
      );
    case "42883":
      return new WarehouseError(
        "UNRESOLVED_ROUTINE",
        `Cannot resolve a function call: ${message}.`,
        code,
      );
    case "42601":
      return new WarehouseError(
        "PARSE_SYNTAX_ERROR",
        `Syntax error: ${message}.`,
        code,
      );
    case "42702":
      return new WarehouseError(
        "AMBIGUOUS_REFERENCE",
        `${capitalize(message)}. Qualify the name with its table.`,
        code,
      );
    case "42803":
      return new WarehouseError(
        "MISSING_AGGREGATION",
        `${capitalize(message)}.`,
        code,
      );
    case "42804":
      return new WarehouseError(
        "DATATYPE_MISMATCH",
        `${capitalize(message)}.`,
        code,
      );
    case "22012":
      return new WarehouseError("DIVIDE_BY_ZERO", "Division by zero.", code);
    case "22P02":
    case "22007":
    case "22008":
      return new WarehouseError(
        "CAST_INVALID_INPUT",
        `${capitalize(message)}.`,
        code,
      );
    default:
      return new WarehouseError(
        code.startsWith("22") ? "INVALID_PARAMETER_VALUE" : "INTERNAL_ERROR",
        `${capitalize(message)} (Postgres SQLSTATE ${code}).`,
        code,
      );
  }
}

/**
 * Postgres names the denied object by its own name: `view flights` (principals read
 * each table through a view) or `schema samples.aviation` (schemas keep the Unity
 * Catalog name, see postgres-names.ts).
 */
function permissionDenied(
  message: string,
  statement: FailedStatement,
): WarehouseError {
  const match = /permission denied for (\w+) (.+)$/.exec(message);
  const kind = match?.[1];
  const name = match?.[2]?.replaceAll('"', "");

  if ((kind === "view" || kind === "table") && name !== undefined) {
    const table = findTable(name, statement);
    return new WarehouseError(
      "INSUFFICIENT_PERMISSIONS",
      `Insufficient privileges: User does not have SELECT on Table '${table}'.`,
      "42501",
    );
  }

  if (kind === "schema" && name === storageSchema) {
    return new WarehouseError(
      "INSUFFICIENT_PERMISSIONS",
      `Insufficient privileges: the schema ${name} belongs to the local workspace itself. Query tables by their three-level names, such as catalog.schema.table.`,
      "42501",
    );
  }

  if (kind === "schema" && name !== undefined) {
    return new WarehouseError(
      "INSUFFICIENT_PERMISSIONS",
      `Insufficient privileges: User does not have ${missingSchemaPrivileges(name, statement)}.`,
      "42501",
    );
  }

  return new WarehouseError(
    "INSUFFICIENT_PERMISSIONS",
    `Insufficient privileges: ${message}.`,
    "42501",
  );
}

/**
 * Lists what the principal lacks to read the statement's tables in `schemaName`, for
 * example "USE CATALOG on Catalog 'samples', USE SCHEMA on Schema 'samples.aviation' and
 * SELECT on Table 'samples.aviation.flights'". Postgres only reports the schema, so the
 * rest comes from the definition's grants.
 */
function missingSchemaPrivileges(
  schemaName: string,
  statement: FailedStatement,
): string {
  const [catalog = ""] = schemaName.split(".");
  const { principal, privileges } = statement;
  const lacks = (privilege: Privilege, securable: string) =>
    principal === undefined || !privileges.has(principal, privilege, securable);

  const missing: string[] = [];
  if (lacks("USE CATALOG", catalog)) {
    missing.push(`USE CATALOG on Catalog '${catalog}'`);
  }
  if (lacks("USE SCHEMA", schemaName)) {
    missing.push(`USE SCHEMA on Schema '${schemaName}'`);
  }
  for (const table of statement.referencedTables) {
    if (table.startsWith(`${schemaName}.`) && lacks("SELECT", table)) {
      missing.push(`SELECT on Table '${table}'`);
    }
  }
  if (missing.length === 0) {
    return `USE SCHEMA on Schema '${schemaName}'`;
  }
  const last = missing.pop();
  return missing.length === 0 ? `${last}` : `${missing.join(", ")} and ${last}`;
}

/**
 * Finds the three-level name of a bare table name, preferring the tables the statement
 * named, because different schemas may hold tables of the same name.
 */
function findTable(tableName: string, statement: FailedStatement): string {
  const matches = (candidate: string) => candidate.endsWith(`.${tableName}`);
  return (
    statement.referencedTables.find(matches) ??
    statement.tableNames.find(matches) ??
    tableName
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
