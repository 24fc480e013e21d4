/**
 * Mapping of Unity Catalog names to Postgres names. Postgres has no catalog level, so each
 * `catalog.schema` becomes one Postgres schema whose name keeps the dot
 * (`"samples.aviation"`); Postgres error messages then show the Unity Catalog name.
 */

/** Schema that contains the functions the local workspace adds (group checks, date parts). */
export const helperSchema = "local_workspace";

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

/** Returns the quoted, schema-qualified Postgres name of a three-level table name. */
export function postgresTable(tableName: string): string {
  const { table } = splitTableName(tableName);
  return `${postgresSchema(tableName)}.${quoteIdentifier(table)}`;
}
