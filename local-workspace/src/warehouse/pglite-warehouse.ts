import { PGlite, types } from "@electric-sql/pglite";
import {
  type QueryParameter,
  type QueryResult,
  type Warehouse,
  WarehouseError,
  type WorkspaceDefinition,
} from "../contracts.js";
import { toWarehouseError } from "./error-mapping.js";
import { postgresTable, quoteIdentifier } from "./postgres-names.js";
import { PrivilegeModel } from "./privileges.js";
import { describeColumn, formatValue } from "./result-format.js";
import {
  compileGrants,
  compileHardening,
  compileRoles,
  compileRowFilters,
  compileTable,
} from "./security-ddl.js";
import { type TranslationContext, translateSql } from "./sql-translation.js";
import { rejectNonQuery } from "./statement-kinds.js";
import { readTableRows, type TableRow } from "./table-sources.js";

/**
 * Rows per INSERT while loading tables. Loading the 20,000 flights took 77-113 ms with
 * batches of 1,000, 5,000 or 20,000 rows (tsx on a 2-core VM), so the size mainly bounds
 * the length of one JSON parameter.
 */
const insertBatchRows = 5000;

/** Parsers that keep every value in Postgres' text form, which the result format needs. */
const textParsers = Object.fromEntries(
  Object.keys(types.parsers).map((oid) => [oid, (text: string) => text]),
);

export interface PgliteWarehouseOptions {
  /** Folder that relative table source paths start from. */
  baseDirectory: string;
}

/**
 * A `Warehouse` on PGlite (Postgres compiled to WebAssembly, in this process). Users,
 * groups and service principals are Postgres roles, grants are Postgres grants and row
 * filters are row-level security policies, so Postgres enforces them on every query.
 */
export class PgliteWarehouse implements Warehouse {
  readonly #database: PGlite;
  readonly #privileges: PrivilegeModel;
  readonly #roles: ReadonlySet<string>;
  readonly #tableNames: string[];
  readonly #translation: TranslationContext;

  private constructor(database: PGlite, definition: WorkspaceDefinition) {
    this.#database = database;
    this.#privileges = new PrivilegeModel(definition);
    this.#roles = new Set(this.#privileges.principalNames());
    this.#tableNames = definition.tables.map((table) => table.name);
    this.#translation = translationContext(definition);
  }

  /** Starts PGlite, creates roles and tables, loads the rows and applies the security rules. */
  static async create(
    definition: WorkspaceDefinition,
    options: PgliteWarehouseOptions,
  ): Promise<PgliteWarehouse> {
    const [database, rows] = await Promise.all([
      PGlite.create(),
      Promise.all(
        definition.tables.map((table) =>
          readTableRows(table, options.baseDirectory),
        ),
      ),
    ]);
    const warehouse = new PgliteWarehouse(database, definition);
    try {
      await warehouse.#build(definition, rows);
    } catch (error) {
      await database.close();
      throw error;
    }
    return warehouse;
  }

  async #build(
    definition: WorkspaceDefinition,
    rows: readonly TableRow[][],
  ): Promise<void> {
    const database = this.#database;
    const current = await database.query<{ name: string }>(
      "SELECT current_database() AS name",
    );
    await database.exec(
      [
        ...compileHardening(current.rows[0]?.name ?? "postgres"),
        ...compileRoles(definition, this.#privileges),
      ].join(";\n"),
    );

    const schemas = new Set<string>();
    for (const [index, table] of definition.tables.entries()) {
      await database.exec(compileTable(table, schemas).join(";\n"));
      await insertRows(database, table.name, rows[index] ?? []);
    }

    const translate = (expression: string) =>
      translateSql(expression, this.#translation).text;
    await database.exec(
      [
        ...compileGrants(definition, this.#privileges),
        ...compileRowFilters(definition, translate),
        "ANALYZE",
      ].join(";\n"),
    );
  }

  async query(
    principalName: string,
    sql: string,
    parameters: QueryParameter[] = [],
  ): Promise<QueryResult> {
    if (!this.#roles.has(principalName)) {
      throw new WarehouseError(
        "PRINCIPAL_DOES_NOT_EXIST",
        `Cannot run a statement as "${principalName}": it is not a user, group or service principal of this workspace.`,
      );
    }
    return this.#run(principalName, sql, parameters);
  }

  /** Runs `sql` as the PGlite superuser, which bypasses grants and row filters but not read-only mode. */
  async queryAsAdministrator(
    sql: string,
    parameters: QueryParameter[] = [],
  ): Promise<QueryResult> {
    return this.#run(undefined, sql, parameters);
  }

  async close(): Promise<void> {
    if (!this.#database.closed) {
      await this.#database.close();
    }
  }

  /**
   * Runs one query in its own read-only transaction, as `principal` when given. PGlite
   * 0.5 holds one mutex for a whole `transaction()` callback and takes the same mutex
   * for `query()` and `exec()`, so concurrent calls run one after another and never
   * inside each other's transaction. `SET LOCAL` ends with the transaction, whether it
   * commits or rolls back, so the role never carries over to the next statement.
   *
   * NOTE: PGlite ignores `statement_timeout` (checked with 0.5.17), and it runs in this
   * thread, so a runaway query blocks the whole process until it finishes.
   */
  async #run(
    principal: string | undefined,
    sql: string,
    parameters: readonly QueryParameter[],
  ): Promise<QueryResult> {
    rejectNonQuery(sql);
    const translated = translateSql(sql, this.#translation, parameters);
    const settings = [
      "SET LOCAL transaction_read_only = on",
      "SET LOCAL TimeZone = 'UTC'",
    ];
    if (principal !== undefined) {
      settings.unshift(`SET LOCAL ROLE ${quoteIdentifier(principal)}`);
    }

    try {
      const result = await this.#database.transaction(async (transaction) => {
        await transaction.exec(settings.join(";\n"));
        return transaction.query<(string | null)[]>(
          translated.text,
          translated.values,
          { rowMode: "array", parsers: textParsers },
        );
      });
      return toQueryResult(result);
    } catch (error) {
      throw toWarehouseError(error, {
        principal,
        referencedTables: translated.referencedTables,
        tableNames: this.#tableNames,
        privileges: this.#privileges,
      });
    }
  }
}

function translationContext(
  definition: WorkspaceDefinition,
): TranslationContext {
  const knownIdentifiers = new Set<string>();
  for (const table of definition.tables) {
    for (const part of table.name.split(".")) {
      knownIdentifiers.add(part);
    }
    for (const column of table.columns) {
      knownIdentifiers.add(column.name);
    }
  }
  return {
    tableNames: new Set(definition.tables.map((table) => table.name)),
    knownIdentifiers,
  };
}

/** Inserts rows in batches; each batch is one JSON parameter expanded by Postgres. */
async function insertRows(
  database: PGlite,
  tableName: string,
  rows: readonly TableRow[],
): Promise<void> {
  const table = postgresTable(tableName);
  for (let start = 0; start < rows.length; start += insertBatchRows) {
    const batch = rows.slice(start, start + insertBatchRows);
    await database.query(
      `INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`,
      [JSON.stringify(batch)],
    );
  }
}

function toQueryResult(result: {
  fields: { name: string; dataTypeID: number }[];
  rows: (string | null)[][];
}): QueryResult {
  const columns = result.fields.map((field, index) =>
    describeColumn(
      field,
      result.rows.map((row) => row[index] ?? null),
    ),
  );
  const rows = result.rows.map((row) =>
    row.map((value, index) =>
      formatValue(value, result.fields[index]?.dataTypeID ?? 0),
    ),
  );
  return { columns, rows };
}
