import type { WorkspaceDefinition } from "../contracts.js";
import { securableLevels } from "../definition/table-checks.js";
import {
  catalogSchemaName,
  helperSchema,
  ownerRole,
  postgresSchema,
  postgresTable,
  quoteIdentifier,
  quoteLiteral,
  storageTable,
} from "./postgres-names.js";
import type { PrivilegeModel } from "./privileges.js";

/** Databricks date-part functions that Postgres lacks, as `name: EXTRACT field`. */
const datePartFunctions: Readonly<Record<string, string>> = {
  year: "YEAR",
  quarter: "QUARTER",
  month: "MONTH",
  day: "DAY",
  hour: "HOUR",
  minute: "MINUTE",
};

/**
 * Statements that close ways around `SET LOCAL ROLE` and read-only mode. `set_config`
 * can change `role` and `transaction_read_only` from inside a SELECT, so only the
 * superuser may call it. Principals may not create objects, temporary tables included.
 * The sleep functions are closed too: PGlite runs in the server's own thread, so a
 * sleeping statement would hold up every local server for its whole length.
 */
export function compileHardening(databaseName: string): string[] {
  return [
    "REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep(double precision) FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep_for(interval) FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep_until(timestamp with time zone) FROM PUBLIC",
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    `REVOKE TEMPORARY ON DATABASE ${quoteIdentifier(databaseName)} FROM PUBLIC`,
  ];
}

/**
 * Creates the owner role, a NOLOGIN role per principal, and grants each group to its
 * members.
 */
export function compileRoles(
  definition: WorkspaceDefinition,
  privileges: PrivilegeModel,
): string[] {
  const statements = [
    `CREATE ROLE ${ownerRole} NOLOGIN NOSUPERUSER NOBYPASSRLS`,
    ...privileges
      .principalNames()
      .map((name) => `CREATE ROLE ${quoteIdentifier(name)} NOLOGIN`),
  ];

  for (const member of privileges.principalNames()) {
    for (const group of privileges.directGroups(member)) {
      statements.push(
        `GRANT ${quoteIdentifier(group)} TO ${quoteIdentifier(member)}`,
      );
    }
  }

  const groupNames = definition.groups.map((group) => quoteLiteral(group.name));
  statements.push(
    `CREATE SCHEMA ${helperSchema}`,
    `GRANT USAGE ON SCHEMA ${helperSchema} TO PUBLIC`,
    // Only declared groups count, so the function is false for a user name or an
    // unknown group instead of raising the error pg_has_role gives for unknown roles.
    `CREATE FUNCTION ${helperSchema}.is_account_group_member(group_name text)
       RETURNS boolean LANGUAGE sql STABLE
       RETURN CASE
         WHEN group_name = ANY (ARRAY[${groupNames.join(", ")}]::text[])
         THEN pg_catalog.pg_has_role(current_user, group_name, 'MEMBER')
         ELSE false
       END`,
  );
  for (const [name, field] of Object.entries(datePartFunctions)) {
    statements.push(
      `CREATE FUNCTION ${helperSchema}.${name}(value timestamp)
         RETURNS integer LANGUAGE sql IMMUTABLE
         RETURN CAST(EXTRACT(${field} FROM value) AS integer)`,
    );
  }
  return statements;
}

/**
 * Compiles the grants. `SELECT` becomes `GRANT SELECT` on the table's view, or on every
 * view below a schema or catalog grant. `USE SCHEMA` and `USE CATALOG` together become
 * `USAGE` on the Postgres schema, and `USE CATALOG` alone becomes `USAGE` on the
 * catalog's empty schema.
 */
export function compileGrants(
  definition: WorkspaceDefinition,
  privileges: PrivilegeModel,
): string[] {
  const statements: string[] = [];
  const schemas = [...securableLevels(definition)]
    .filter(([, level]) => level === "schema")
    .map(([name]) => name);

  // Postgres has no catalog level, so a table in a schema can only be reached through
  // USAGE on the schema itself. A role gets that USAGE only when it has both USE
  // CATALOG on the catalog and USE SCHEMA on the schema, each directly or through its
  // groups. The grant goes to the outermost roles that qualify, and their members
  // inherit it.
  for (const schema of schemas) {
    const [catalog = ""] = schema.split(".");
    const qualifies = (principal: string) =>
      privileges.has(principal, "USE CATALOG", catalog) &&
      privileges.has(principal, "USE SCHEMA", schema);
    for (const principal of privileges.principalNames()) {
      const inherited = privileges.directGroups(principal).some(qualifies);
      if (qualifies(principal) && !inherited) {
        statements.push(
          `GRANT USAGE ON SCHEMA ${postgresSchema(schema)} TO ${quoteIdentifier(principal)}`,
        );
      }
    }
  }

  for (const grant of definition.grants) {
    if (grant.privileges.includes("USE CATALOG")) {
      statements.push(
        `GRANT USAGE ON SCHEMA ${quoteIdentifier(catalogSchemaName(grant.securable))} TO ${quoteIdentifier(grant.principal)}`,
      );
    }
    if (!grant.privileges.includes("SELECT")) {
      continue;
    }
    const grantee = quoteIdentifier(grant.principal);
    for (const table of definition.tables) {
      if (
        table.name === grant.securable ||
        table.name.startsWith(`${grant.securable}.`)
      ) {
        statements.push(
          `GRANT SELECT ON ${postgresTable(table.name)} TO ${grantee}`,
        );
      }
    }
  }
  return statements;
}

/**
 * Compiles each row filter to a row-level security policy on the storage table.
 * `translateExpression` turns the Databricks expression into Postgres SQL. FORCE makes
 * the policy apply to the owner role, whose rights the views use; the superuser still
 * bypasses it, which `queryAsAdministrator` needs.
 */
export function compileRowFilters(
  definition: WorkspaceDefinition,
  translateExpression: (expression: string) => string,
): string[] {
  return definition.rowFilters.flatMap((filter) => {
    const table = storageTable(filter.table);
    return [
      `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY ${quoteIdentifier(filter.name)} ON ${table}
         AS PERMISSIVE FOR SELECT TO PUBLIC
         USING (${translateExpression(filter.expression)})`,
    ];
  });
}
