import { type PGlite, types } from "@electric-sql/pglite";
import {
  type QueryParameter,
  type QueryResult,
  type Warehouse,
  WarehouseError,
  type WorkspaceDefinition,
} from "../contracts.js";
import type { Logger } from "../logger.js";
import { toWarehouseError } from "./error-mapping.js";
import { quoteIdentifier } from "./postgres-names.js";
import { PrivilegeModel } from "./privileges.js";
import { describeColumn, formatValue } from "./result-format.js";
import type { TranslationContext } from "./sql-translation.js";
import { translateSql } from "./sql-translation.js";
import { rejectNonQuery } from "./statement-kinds.js";
import { buildDatabase } from "./warehouse-build.js";
import {
  loadSnapshot,
  saveSnapshot,
  warehouseFingerprint,
} from "./warehouse-snapshot.js";

/** Parsers that keep every value in Postgres' text form, which the result format needs. */
const textParsers = Object.fromEntries(
  Object.keys(types.parsers).map((oid) => [oid, (text: string) => text]),
);

export interface PgliteWarehouseOptions {
  /** Folder that relative table source paths start from. */
  baseDirectory: string;
  /**
   * Folder for snapshots of the built database. A start whose definition, data files
   * and code match a snapshot loads it; otherwise it builds the database and writes one.
   * Without a folder, every start builds the database in memory.
   */
  dataDirectory?: string;
  /** Receives warnings about snapshots that could not be read or written. */
  logger?: Logger;
}

/** Origin and start time of a warehouse's database, for start-up logs and benchmarks. */
export interface WarehouseStartup {
  /** `loaded`: from a snapshot; `built`: from the sources, then written as a snapshot when a data directory is set. */
  origin: "loaded" | "built";
  /** Snapshot file read or written, if any. */
  snapshot?: string;
  milliseconds: number;
}

/**
 * A `Warehouse` on PGlite (Postgres compiled to WebAssembly, in this process). Users,
 * groups and service principals are Postgres roles, grants are Postgres grants, row
 * filters are row-level security policies and column masks are expressions in the views
 * that principals read, so Postgres enforces them on every query.
 */
export class PgliteWarehouse implements Warehouse {
  readonly startup: WarehouseStartup;
  readonly #database: PGlite;
  readonly #privileges: PrivilegeModel;
  readonly #roles: ReadonlySet<string>;
  readonly #tableNames: string[];
  readonly #translation: TranslationContext;

  private constructor(
    database: PGlite,
    definition: WorkspaceDefinition,
    startup: WarehouseStartup,
  ) {
    this.#database = database;
    this.startup = startup;
    this.#privileges = new PrivilegeModel(definition);
    this.#roles = new Set(this.#privileges.principalNames());
    this.#tableNames = definition.tables.map((table) => table.name);
    this.#translation = translationContext(definition);
  }

  /**
   * Starts PGlite from a snapshot in `dataDirectory` when one matches, or else creates
   * the roles and tables, loads the rows, applies the security rules and writes a
   * snapshot.
   */
  static async create(
    definition: WorkspaceDefinition,
    options: PgliteWarehouseOptions,
  ): Promise<PgliteWarehouse> {
    const startedAt = performance.now();
    const { dataDirectory, logger } = options;
    const snapshots =
      dataDirectory === undefined
        ? undefined
        : {
            directory: dataDirectory,
            fingerprint: await warehouseFingerprint(
              definition,
              options.baseDirectory,
            ),
          };
    const elapsed = () => Math.round(performance.now() - startedAt);

    const loaded =
      snapshots === undefined
        ? undefined
        : await loadSnapshot(
            snapshots.directory,
            snapshots.fingerprint,
            logger,
          );
    if (loaded !== undefined) {
      return new PgliteWarehouse(loaded.database, definition, {
        origin: "loaded",
        snapshot: loaded.file,
        milliseconds: elapsed(),
      });
    }

    const database = await buildDatabase(
      definition,
      options.baseDirectory,
      translationContext(definition),
    );
    const snapshot =
      snapshots === undefined
        ? undefined
        : await saveSnapshot(
            database,
            snapshots.directory,
            snapshots.fingerprint,
            logger,
          );
    return new PgliteWarehouse(database, definition, {
      origin: "built",
      snapshot,
      milliseconds: elapsed(),
    });
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

  /**
   * Runs `sql` as the PGlite superuser on the storage tables, which bypasses grants, row
   * filters and column masks but not read-only mode.
   */
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
    // The administrator reads the storage tables, which bypass masks and, for the
    // superuser, row filters; principals read the views.
    const context =
      principal === undefined
        ? { ...this.#translation, storage: true }
        : this.#translation;
    const translated = translateSql(sql, context, parameters);
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
