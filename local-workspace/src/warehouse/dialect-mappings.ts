/** Databricks SQL names and their Postgres counterparts, for the SQL translator. */

/**
 * Databricks functions the local workspace implements in `helperSchema`, by the name
 * they are called with.
 */
export const helperFunctions: Readonly<Record<string, string>> = {
  is_account_group_member: "is_account_group_member",
  is_member: "is_account_group_member",
  year: "year",
  quarter: "quarter",
  month: "month",
  day: "day",
  dayofmonth: "day",
  hour: "hour",
  minute: "minute",
};

/**
 * Databricks functions called with empty brackets whose Postgres counterparts are
 * keywords without brackets. `session_user()` is the querying user in Databricks, which
 * is Postgres' `current_user` after `SET ROLE` (Postgres' `session_user` stays the
 * superuser).
 */
export const bracketlessFunctions: Readonly<Record<string, string>> = {
  current_user: "current_user",
  session_user: "current_user",
  current_date: "current_date",
  current_timestamp: "current_timestamp",
};

/** Databricks type names that Postgres spells differently, for casts in the SQL. */
export const postgresCastTypes: Readonly<Record<string, string>> = {
  string: "text",
  double: "double precision",
  long: "bigint",
  tinyint: "smallint",
  byte: "smallint",
  short: "smallint",
  float: "real",
  binary: "bytea",
  timestamp_ntz: "timestamp",
  timestamp_ltz: "timestamptz",
};

export const postgresParameterTypes: Readonly<Record<string, string>> = {
  STRING: "text",
  VARCHAR: "text",
  CHAR: "text",
  BOOLEAN: "boolean",
  TINYINT: "smallint",
  BYTE: "smallint",
  SMALLINT: "smallint",
  SHORT: "smallint",
  INT: "integer",
  INTEGER: "integer",
  BIGINT: "bigint",
  LONG: "bigint",
  FLOAT: "real",
  REAL: "real",
  DOUBLE: "double precision",
  DECIMAL: "numeric",
  DATE: "date",
  TIMESTAMP: "timestamp",
  TIMESTAMP_NTZ: "timestamp",
  BINARY: "bytea",
};
