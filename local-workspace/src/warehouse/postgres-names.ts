/**
 * Mapping of Unity Catalog names to Postgres names. Postgres has no catalog level, so each
 * `catalog.schema` becomes one Postgres schema whose name keeps the dot
 * (`"samples.aviation"`); Postgres error messages then show the Unity Catalog name.
 *
 * Each table's rows live in a storage table in `storageSchema`, which no principal may
 * read. Principals read a view of the same three-level name instead, which applies the
 * column masks. The row filter is a row-level security policy on the storage table.
 */

/** Schema that contains the functions the local workspace adds (group checks, date parts). */
export const helperSchema = "local_workspace";

/** Schema of the storage tables, named by their three-level names. */
export const storageSchema = "local_workspace_storage";

/**
 * Role that owns the storage tables and the views. It is not a superuser, so row-level
 * security applies to it, and the views read the storage tables with its rights.
 */
export const ownerRole = "local_workspace_owner";

/** Quotes a Postgres identifier, doubling embedded double quotes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a Postgres string literal, doubling embedded single quotes. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Splits a three-level name into catalog, schema and table. */
export function splitTableName(tableName: string): {
  catalog: string;
  schema: string;
  table: string;
} {
  const [catalog = "", schema = "", table = ""] = tableName.split(".");
  return { catalog, schema, table };
}

/** Returns the quoted Postgres schema of a three-level table name or a two-level schema name. */
export function postgresSchema(name: string): string {
  const { catalog, schema } = splitTableName(name);
  return quoteIdentifier(`${catalog}.${schema}`);
}

/**
 * Returns the name of the empty Postgres schema that stands for a Unity Catalog catalog.
 * USAGE on it is the USE CATALOG privilege, so SHOW statements can ask Postgres which
 * catalogs a principal may use. A colon cannot occur in a catalog name, so this name
 * never clashes with a `catalog.schema` schema or with Postgres' own schemas.
 */
export function catalogSchemaName(catalog: string): string {
  return `catalog:${catalog}`;
}

/** Returns the quoted, schema-qualified Postgres name of a three-level table name. */
export function postgresTable(tableName: string): string {
  const { table } = splitTableName(tableName);
  return `${postgresSchema(tableName)}.${quoteIdentifier(table)}`;
}

/** Returns the quoted Postgres name of the storage table behind a three-level table name. */
export function storageTable(tableName: string): string {
  return `${storageSchema}.${quoteIdentifier(tableName)}`;
}
