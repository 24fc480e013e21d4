/**
 * Questions about a principal's Unity Catalog privileges, answered by Postgres itself:
 * each check runs as the principal's role through `has_schema_privilege` or
 * `has_table_privilege`, so group membership and every grant the warehouse compiled
 * apply exactly as they do to the principal's queries.
 */
import type { Warehouse } from "../contracts.js";
import { catalogSchemaName, postgresTable } from "./postgres-names.js";

/** One privilege to check on one securable. */
export type PrivilegeCheck =
  | { privilege: "USE CATALOG"; catalog: string }
  /**
   * USE CATALOG on the catalog and USE SCHEMA on the schema, which Postgres grants
   * together.
   */
  | { privilege: "USE SCHEMA"; schema: string }
  | { privilege: "SELECT"; table: string };

/**
 * Returns, in order, whether `principalName` has each privilege. A SELECT check needs
 * USE SCHEMA on the table's schema first: without it, Postgres cannot look the table up
 * for the role and this throws WarehouseError INSUFFICIENT_PERMISSIONS, as it does for
 * an unknown principal.
 */
export async function checkPrivileges(
  warehouse: Warehouse,
  principalName: string,
  checks: readonly PrivilegeCheck[],
): Promise<boolean[]> {
  if (checks.length === 0) {
    return [];
  }
  const parameters = checks.map((check, index) => ({
    name: `securable_${index}`,
    value: postgresObjectName(check),
    type: "STRING",
  }));
  const calls = checks.map((check, index) =>
    check.privilege === "SELECT"
      ? `has_table_privilege(:securable_${index}, 'SELECT')`
      : `has_schema_privilege(:securable_${index}, 'USAGE')`,
  );
  const result = await warehouse.query(
    principalName,
    `SELECT ${calls.join(", ")}`,
    parameters,
  );
  const row = result.rows[0] ?? [];
  return checks.map((_, index) => row[index] === "true");
}

/**
 * Returns the Postgres name each check reads. `has_schema_privilege` takes a schema name
 * as it is, while `has_table_privilege` parses its argument as SQL, so a table's name is
 * quoted.
 */
function postgresObjectName(check: PrivilegeCheck): string {
  switch (check.privilege) {
    case "USE CATALOG":
      return catalogSchemaName(check.catalog);
    case "USE SCHEMA":
      // Each Unity Catalog schema is the Postgres schema of the same two-level name.
      return check.schema;
    case "SELECT":
      return postgresTable(check.table);
  }
}
