/**
 * SHOW CATALOGS, SHOW SCHEMAS, SHOW TABLES and SHOW COLUMNS. Their results come from the
 * workspace definition, filtered by the caller's privileges, which Postgres checks as the
 * caller's role. The result columns carry the names Databricks gives them.
 */
import {
  type QueryResult,
  type ResultColumn,
  type TableDefinition,
  type Warehouse,
  WarehouseError,
  type WorkspaceDefinition,
} from "../contracts.js";
import { securableLevels } from "../definition/table-checks.js";
import {
  checkPrivileges,
  type PrivilegeCheck,
} from "../warehouse/privilege-queries.js";
import type { SqlToken } from "../warehouse/sql-lexer.js";
import {
  findTable,
  readDottedName,
  type StatementNamespace,
} from "./statement-names.js";

/** A parsed SHOW statement with its names resolved against the definition. */
export type ShowStatement =
  | { kind: "catalogs"; pattern?: string }
  | { kind: "schemas"; catalog: string; pattern?: string }
  | { kind: "tables"; catalog: string; schema: string; pattern?: string }
  | { kind: "columns"; table: TableDefinition };

const supportedForms =
  "SHOW CATALOGS, SHOW SCHEMAS [IN catalog], SHOW TABLES [IN catalog.schema] and SHOW COLUMNS IN table";

/**
 * Parses a SHOW statement from its tokens (without whitespace, comments or `;`), taking
 * a missing catalog or schema from the request. Throws WarehouseError for other SHOW
 * statements, syntax errors and unknown catalogs, schemas or tables.
 */
export function parseShowStatement(
  tokens: readonly SqlToken[],
  definition: WorkspaceDefinition,
  namespace: StatementNamespace,
): ShowStatement {
  const object = keywordAt(tokens, 1);
  const reader = new ShowReader(tokens, 2);

  if (object === "CATALOGS") {
    const pattern = reader.readPattern();
    reader.expectEnd("SHOW CATALOGS [LIKE 'pattern']");
    return { kind: "catalogs", pattern };
  }

  if (object === "SCHEMAS" || object === "DATABASES") {
    const parts = reader.readInClause() ?? [];
    const pattern = reader.readPattern();
    reader.expectEnd("SHOW SCHEMAS [IN catalog] [LIKE 'pattern']");
    if (parts.length > 1) {
      throw syntaxError(
        `SHOW SCHEMAS lists the schemas of one catalog, but \`${parts.join(".")}\` is not a catalog name.`,
      );
    }
    const catalog = parts[0] ?? namespace.catalog;
    if (catalog === undefined) {
      throw missingDefault("SHOW SCHEMAS IN catalog", "catalog");
    }
    return {
      kind: "schemas",
      catalog: findCatalog(definition, catalog),
      pattern,
    };
  }

  if (object === "TABLES") {
    const parts = reader.readInClause() ?? [];
    const pattern = reader.readPattern();
    reader.expectEnd("SHOW TABLES [IN catalog.schema] [LIKE 'pattern']");
    if (parts.length > 2) {
      throw syntaxError(
        `SHOW TABLES lists the tables of one schema, but \`${parts.join(".")}\` is not a schema name.`,
      );
    }
    const [catalog, schema] =
      parts.length === 2
        ? parts
        : [namespace.catalog, parts[0] ?? namespace.schema];
    if (catalog === undefined || schema === undefined) {
      throw missingDefault(
        "SHOW TABLES IN catalog.schema",
        "catalog and schema",
      );
    }
    const found = findSchema(definition, `${catalog}.${schema}`);
    return { kind: "tables", ...found, pattern };
  }

  if (object === "COLUMNS") {
    const table = reader.readInClause();
    const schema = reader.readInClause();
    reader.expectEnd("SHOW COLUMNS IN table [IN catalog.schema]");
    if (table === undefined) {
      throw syntaxError(
        "SHOW COLUMNS needs a table: write SHOW COLUMNS IN catalog.schema.table.",
      );
    }
    if (schema !== undefined && (table.length > 1 || schema.length > 2)) {
      throw syntaxError(
        "SHOW COLUMNS IN table IN schema takes an unqualified table name and a schema or catalog.schema name.",
      );
    }
    return {
      kind: "columns",
      table: findTable(definition, [...(schema ?? []), ...table], namespace),
    };
  }

  const statementStart = tokens
    .slice(0, 3)
    .map((token) => token.text)
    .join(" ");
  throw new WarehouseError(
    "UNSUPPORTED_FEATURE",
    `The local workspace runs ${supportedForms} only, not ${statementStart}.`,
    "0A000",
  );
}

/**
 * Runs a parsed SHOW statement as `principalName`. Catalogs, schemas and tables are
 * listed when Postgres reports that the principal's role has USE CATALOG, USE SCHEMA or
 * SELECT on them. SHOW COLUMNS first reads the table as the principal, as DESCRIBE
 * TABLE does, so a principal without access gets the warehouse's permission error.
 */
export async function runShowStatement(
  warehouse: Warehouse,
  definition: WorkspaceDefinition,
  principalName: string,
  show: ShowStatement,
): Promise<QueryResult> {
  switch (show.kind) {
    case "catalogs": {
      const catalogs = namesAtLevel(definition, "catalog");
      const granted = await checkPrivileges(
        warehouse,
        principalName,
        catalogs.map((catalog) => ({ privilege: "USE CATALOG", catalog })),
      );
      const visible = catalogs.filter((_, index) => granted[index]);
      return {
        columns: [stringColumn("catalog")],
        rows: filterByPattern(visible, show.pattern).map((name) => [name]),
      };
    }
    case "schemas": {
      const schemas = namesAtLevel(definition, "schema").filter((schema) =>
        schema.startsWith(`${show.catalog}.`),
      );
      const [catalogGranted, ...granted] = await checkPrivileges(
        warehouse,
        principalName,
        [
          { privilege: "USE CATALOG", catalog: show.catalog },
          ...schemas.map(
            (schema): PrivilegeCheck => ({ privilege: "USE SCHEMA", schema }),
          ),
        ],
      );
      if (!catalogGranted) {
        throw insufficientPrivileges(
          `USE CATALOG on Catalog '${show.catalog}'`,
        );
      }
      const names = schemas
        .filter((_, index) => granted[index])
        .map((schema) => schema.slice(show.catalog.length + 1));
      return {
        columns: [stringColumn("databaseName")],
        rows: filterByPattern(names, show.pattern).map((name) => [name]),
      };
    }
    case "tables":
      return showTables(warehouse, definition, principalName, show);
    case "columns":
      await warehouse.query(
        principalName,
        `SELECT * FROM ${show.table.name} LIMIT 0`,
      );
      return {
        columns: [stringColumn("col_name")],
        rows: show.table.columns.map((column) => [column.name]),
      };
  }
}

async function showTables(
  warehouse: Warehouse,
  definition: WorkspaceDefinition,
  principalName: string,
  show: Extract<ShowStatement, { kind: "tables" }>,
): Promise<QueryResult> {
  const schemaName = `${show.catalog}.${show.schema}`;
  const tables = definition.tables
    .map((table) => table.name)
    .filter((name) => name.startsWith(`${schemaName}.`))
    .sort();
  const [catalogGranted, schemaGranted] = await checkPrivileges(
    warehouse,
    principalName,
    [
      { privilege: "USE CATALOG", catalog: show.catalog },
      { privilege: "USE SCHEMA", schema: schemaName },
    ],
  );
  if (!catalogGranted) {
    throw insufficientPrivileges(`USE CATALOG on Catalog '${show.catalog}'`);
  }
  if (!schemaGranted) {
    throw insufficientPrivileges(`USE SCHEMA on Schema '${schemaName}'`);
  }
  // Only now, because Postgres raises an error rather than returning false when the
  // role may not use the schema of a table it checks.
  const granted = await checkPrivileges(
    warehouse,
    principalName,
    tables.map((table): PrivilegeCheck => ({ privilege: "SELECT", table })),
  );
  const names = tables
    .filter((_, index) => granted[index])
    .map((table) => table.slice(schemaName.length + 1));
  return {
    columns: [
      stringColumn("database"),
      stringColumn("tableName"),
      { name: "isTemporary", typeName: "BOOLEAN", typeText: "BOOLEAN" },
    ],
    rows: filterByPattern(names, show.pattern).map((name) => [
      show.schema,
      name,
      "false",
    ]),
  };
}

/** Reads the optional clauses of a SHOW statement from left to right. */
class ShowReader {
  readonly #tokens: readonly SqlToken[];
  #index: number;

  constructor(tokens: readonly SqlToken[], start: number) {
    this.#tokens = tokens;
    this.#index = start;
  }

  /**
   * Reads `{IN | FROM} name` and returns the name's parts, or undefined without the
   * clause.
   */
  readInClause(): string[] | undefined {
    const keyword = keywordAt(this.#tokens, this.#index);
    if (keyword !== "IN" && keyword !== "FROM") {
      return undefined;
    }
    const name = readDottedName(this.#tokens, this.#index + 1);
    if (name.parts.length === 0) {
      throw syntaxError(`A name must follow ${keyword}.`);
    }
    this.#index = name.next;
    return name.parts.map((part) => part.toLowerCase());
  }

  /** Reads `[LIKE] 'pattern'` and returns the pattern, or undefined without one. */
  readPattern(): string | undefined {
    const like = keywordAt(this.#tokens, this.#index) === "LIKE";
    const token = this.#tokens[this.#index + (like ? 1 : 0)];
    if (token?.kind !== "string") {
      if (like) {
        throw syntaxError("LIKE must be followed by a quoted pattern.");
      }
      return undefined;
    }
    this.#index += like ? 2 : 1;
    return token.value;
  }

  expectEnd(form: string): void {
    const extra = this.#tokens[this.#index];
    if (extra !== undefined) {
      throw syntaxError(
        `Unexpected '${extra.text}'. The local workspace accepts ${form}.`,
      );
    }
  }
}

function keywordAt(
  tokens: readonly SqlToken[],
  index: number,
): string | undefined {
  const token = tokens[index];
  return token?.kind === "word" ? token.value.toUpperCase() : undefined;
}

/**
 * Names of the catalogs or schemas the definition declares or its tables imply, sorted.
 */
function namesAtLevel(
  definition: WorkspaceDefinition,
  level: "catalog" | "schema",
): string[] {
  return [...securableLevels(definition)]
    .filter(([, candidate]) => candidate === level)
    .map(([name]) => name)
    .sort();
}

function findCatalog(definition: WorkspaceDefinition, catalog: string): string {
  const name = catalog.toLowerCase();
  if (!namesAtLevel(definition, "catalog").includes(name)) {
    throw new WarehouseError(
      "NO_SUCH_CATALOG_EXCEPTION",
      `Catalog '${catalog}' was not found. SHOW CATALOGS lists the catalogs you may use.`,
      "42704",
    );
  }
  return name;
}

function findSchema(
  definition: WorkspaceDefinition,
  schemaName: string,
): { catalog: string; schema: string } {
  const name = schemaName.toLowerCase();
  const [catalog = "", schema = ""] = name.split(".");
  findCatalog(definition, catalog);
  if (!namesAtLevel(definition, "schema").includes(name)) {
    throw new WarehouseError(
      "SCHEMA_NOT_FOUND",
      `The schema \`${catalog}\`.\`${schema}\` cannot be found. SHOW SCHEMAS IN ${catalog} lists the schemas you may use.`,
      "42704",
    );
  }
  return { catalog, schema };
}

/**
 * Keeps the names that match a SHOW pattern. As in Databricks, `*` matches any
 * characters, `|` separates alternatives, other characters act as in a regular
 * expression, and matching ignores case and the blanks around the pattern.
 */
export function filterByPattern(
  names: readonly string[],
  pattern: string | undefined,
): string[] {
  if (pattern === undefined) {
    return [...names];
  }
  const alternatives = pattern
    .trim()
    .split("|")
    .map((alternative) => alternative.replaceAll("*", ".*"));
  let expression: RegExp;
  try {
    expression = new RegExp(`^(?:${alternatives.join("|")})$`, "i");
  } catch {
    throw new WarehouseError(
      "INVALID_PARAMETER_VALUE",
      `The pattern '${pattern}' is not a valid SHOW pattern. Use * for any characters and | between alternatives, such as 'fl*|air*'.`,
      "42000",
    );
  }
  return names.filter((name) => expression.test(name));
}

function stringColumn(name: string): ResultColumn {
  return { name, typeName: "STRING", typeText: "STRING" };
}

function insufficientPrivileges(missing: string): WarehouseError {
  return new WarehouseError(
    "INSUFFICIENT_PERMISSIONS",
    `Insufficient privileges: User does not have ${missing}.`,
    "42501",
  );
}

function syntaxError(message: string): WarehouseError {
  return new WarehouseError("PARSE_SYNTAX_ERROR", message, "42601");
}

/**
 * Reports a SHOW without a catalog or schema: the local workspace has no current ones.
 */
function missingDefault(form: string, missing: string): WarehouseError {
  return new WarehouseError(
    "INVALID_PARAMETER_VALUE",
    `The statement names no ${missing}, and the request sets none. Write ${form}, or send the request's catalog and schema fields.`,
    "42000",
  );
}
