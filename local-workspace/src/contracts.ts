/**
 * Types shared by the parts of the local workspace: the workspace definition, the
 * warehouse, the authenticated principal and the route factories. The local workspace
 * imitates Databricks for development and tests; behalf's product code never imports it.
 */
import type { Hono } from "hono";
import type { FaultInjector } from "./faults/fault-injector.js";
import type { GenieLatencyModel } from "./genie/message-status.js";

/** A Databricks SQL type name as the Statement Execution API reports it. */
export type DatabricksTypeName =
  | "BOOLEAN"
  | "BYTE"
  | "SHORT"
  | "INT"
  | "LONG"
  | "FLOAT"
  | "DOUBLE"
  | "DECIMAL"
  | "STRING"
  | "DATE"
  | "TIMESTAMP"
  | "BINARY"
  | "ARRAY"
  | "MAP"
  | "STRUCT"
  | "NULL";

/** The column types a table definition may declare. */
export type ColumnType =
  | "STRING"
  | "INT"
  | "LONG"
  | "DOUBLE"
  | "DECIMAL"
  | "BOOLEAN"
  | "DATE"
  | "TIMESTAMP";

export interface UserDefinition {
  /** Email-style user name, also the Postgres role name. */
  userName: string;
  displayName: string;
  /** Direct group memberships by group name. */
  groups: string[];
}

export interface GroupDefinition {
  name: string;
  displayName?: string;
  /** Groups this group belongs to (nested membership). */
  groups?: string[];
}

export interface ServicePrincipalDefinition {
  /** OAuth client id (Databricks calls it the application id). */
  applicationId: string;
  displayName: string;
  clientSecret: string;
  groups?: string[];
}

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  /** Field name in the source file, when it differs from `name`. */
  sourceField?: string;
  comment?: string;
}

export interface TableDefinition {
  /** Three-level Unity Catalog name, `catalog.schema.table`. */
  name: string;
  comment?: string;
  columns: ColumnDefinition[];
  /**
   * Source of the rows: a file inside an npm package (`package` + `path`), a file
   * relative to the definition file (`path`), rows written inline, or a query (`sql`).
   * The query reads tables listed before this one and runs with administrator rights
   * when the warehouse is built.
   */
  source:
    | { format: TableFileFormat; package: string; path: string }
    | { format: TableFileFormat; path: string }
    | { rows: Record<string, string | number | boolean | null>[] }
    | { sql: string };
}

/** File formats a table can be loaded from. */
export type TableFileFormat = "json" | "csv" | "parquet";

/** A Unity Catalog catalog and its schemas, declared so that they can carry comments. */
export interface CatalogDefinition {
  name: string;
  comment?: string;
  schemas: { name: string; comment?: string }[];
}

export type Privilege = "USE CATALOG" | "USE SCHEMA" | "SELECT";

export interface GrantDefinition {
  /** User name, group name or service principal application id. */
  principal: string;
  privileges: Privilege[];
  /** `catalog`, `catalog.schema` or `catalog.schema.table`. */
  securable: string;
}

export interface RowFilterDefinition {
  /** Three-level table name the filter applies to. */
  table: string;
  name: string;
  /**
   * Boolean SQL over the table's columns. `is_account_group_member('group')` and
   * `current_user()` refer to the querying user, as in Databricks. Other tables, named
   * by their three-level names, are read with the table owner's rights.
   */
  expression: string;
}

export interface ColumnMaskDefinition {
  /** Three-level table name of the masked column. */
  table: string;
  column: string;
  name: string;
  /**
   * SQL over the table's columns that gives the value the querying user reads in place
   * of the column, for example `CASE WHEN is_account_group_member('finance') THEN
   * cost END`. The same functions as in row filters are available.
   */
  expression: string;
}

export type GenieParameterKind = "month" | "airport" | "state" | "integer";

export interface GenieParameterDefinition {
  /** Name of the `:name` marker in the SQL. */
  name: string;
  kind: GenieParameterKind;
  /** For `integer`: numbers outside this range are not taken, so "1000 dollars" is no year. */
  minimum?: number;
  maximum?: number;
}

export interface GenieExampleQuery {
  question: string;
  /** Parameterised SQL with `:name` markers, Databricks style. */
  sql: string;
  /** One sentence describing what the query computes (Genie's query description). */
  description: string;
  parameters?: GenieParameterDefinition[];
}

export type GenieSpacePermissionLevel =
  | "CAN_VIEW"
  | "CAN_RUN"
  | "CAN_EDIT"
  | "CAN_MANAGE";

export interface GenieSpaceDefinition {
  id: string;
  title: string;
  description: string;
  warehouseId: string;
  /** Three-level table names the space may query. */
  tables: string[];
  instructions: string;
  /** Questions Genie suggests when it cannot answer. */
  sampleQuestions: string[];
  exampleQueries: GenieExampleQuery[];
  permissions: { principal: string; level: GenieSpacePermissionLevel }[];
}

export interface ServingEndpointDefinition {
  name: string;
  permissions: {
    principal: string;
    level: "CAN_QUERY" | "CAN_VIEW" | "CAN_MANAGE";
  }[];
}

export interface WarehouseDefinition {
  id: string;
  name: string;
  permissions: { principal: string; level: "CAN_USE" | "CAN_MANAGE" }[];
}

/**
 * A resource of the Databricks App (`AppResource` in the Apps API): `name` is the
 * resource key, and the object names the resource and the permission the app's service
 * principal needs on it.
 */
export type AppResourceDefinition =
  | {
      name: string;
      description?: string;
      servingEndpoint: { name: string; permission: "CAN_QUERY" };
    }
  | {
      name: string;
      description?: string;
      genieSpace: { spaceId: string; permission: "CAN_RUN" };
    }
  | {
      name: string;
      description?: string;
      sqlWarehouse: { id: string; permission: "CAN_USE" };
    };

/** The Databricks App that runs the agent server, as the Apps front door presents it. */
export interface AppDefinition {
  /** App name: lower-case letters, digits and hyphens, as Databricks requires. */
  name: string;
  description?: string;
  /** Application id of the service principal the app runs as. */
  servicePrincipal: string;
  /** OAuth scopes of the user tokens the front door forwards, such as `sql`. */
  userApiScopes: string[];
  resources: AppResourceDefinition[];
}

export interface WorkspaceDefinition {
  /** Numeric workspace id, sent in `X-Databricks-Org-Id`. */
  workspaceId: string;
  users: UserDefinition[];
  groups: GroupDefinition[];
  servicePrincipals: ServicePrincipalDefinition[];
  /** Catalogs and schemas; when omitted, the tables' names imply them. */
  catalogs?: CatalogDefinition[];
  tables: TableDefinition[];
  grants: GrantDefinition[];
  rowFilters: RowFilterDefinition[];
  columnMasks?: ColumnMaskDefinition[];
  genieSpaces: GenieSpaceDefinition[];
  servingEndpoints: ServingEndpointDefinition[];
  warehouses: WarehouseDefinition[];
  app?: AppDefinition;
}

/** A column of a query result, as in a Statement Execution manifest. */
export interface ResultColumn {
  name: string;
  typeName: DatabricksTypeName;
  typeText: string;
}

/** Rows use strings for every non-null value, as Databricks' JSON_ARRAY format does. */
export interface QueryResult {
  columns: ResultColumn[];
  rows: (string | null)[][];
}

export interface QueryParameter {
  name: string;
  /** String form of the value; null for SQL NULL. */
  value: string | null;
  /**
   * Databricks type name such as `INT`, `STRING`, `DATE`. Without one, the warehouse
   * infers the type from where the marker is used.
   */
  type?: string;
}

export interface Warehouse {
  /**
   * Runs `sql` (Databricks dialect, three-level names, `:name` markers) as the Postgres
   * role of `principalName`, so grants and row filters apply to that principal. Throws
   * `WarehouseError` with a Databricks error class on failure.
   */
  query(
    principalName: string,
    sql: string,
    parameters?: QueryParameter[],
  ): Promise<QueryResult>;
  /** Runs `sql` as the workspace administrator, for lookups the platform itself makes. */
  queryAsAdministrator(
    sql: string,
    parameters?: QueryParameter[],
  ): Promise<QueryResult>;
  close(): Promise<void>;
}

/** Databricks-style SQL failure: `errorClass` such as `PERMISSION_DENIED` or `TABLE_OR_VIEW_NOT_FOUND`. */
export class WarehouseError extends Error {
  readonly errorClass: string;
  readonly sqlState: string | undefined;

  constructor(errorClass: string, message: string, sqlState?: string) {
    super(message);
    this.name = "WarehouseError";
    this.errorClass = errorClass;
    this.sqlState = sqlState;
  }
}

/** The caller of a local workspace API, from a verified bearer token. */
export interface Principal {
  kind: "user" | "service_principal";
  /** SCIM id. */
  id: string;
  /** Email for users, application id for service principals; also the Postgres role. */
  userName: string;
  displayName: string;
  /** All groups, nested ones included. */
  groups: string[];
  /** OAuth scopes of the token. */
  scopes: string[];
  /** Token expiry. */
  expiresAt: Date;
}

/** Outcome of checking a bearer token: the principal, or why the token was rejected. */
export type TokenVerification =
  | { valid: true; principal: Principal }
  | { valid: false; reason: string };

/** Checks bearer tokens issued by this local workspace. */
export interface TokenVerifier {
  verify(token: string): Promise<TokenVerification>;
}

/**
 * Hono environment of every local workspace route. The server sets `tokenVerifier` on
 * every request before any route runs, and `requireToken` sets `principal`.
 */
export interface LocalWorkspaceEnv {
  Variables: { principal: Principal; tokenVerifier: TokenVerifier };
}

/** Dependencies every route factory receives. */
export interface RouteDependencies {
  definition: WorkspaceDefinition;
  warehouse: Warehouse;
  options: LocalWorkspaceRuntimeOptions;
  /** Faults injected for tests; Genie reads the message faults from it. */
  faults?: FaultInjector;
}

export interface LocalWorkspaceRuntimeOptions {
  /** How long each non-terminal Genie status lasts, in milliseconds. */
  genieStatusStepMilliseconds: number;
  /** OpenAI-compatible base URL to proxy chat completions to; unset serves `offline-router`. */
  modelUrl?: string;
  /** Bearer token for `modelUrl`. */
  modelApiKey?: string;
  /** Model name sent to `modelUrl`; defaults to the endpoint name. */
  modelName?: string;
  /** Per-status Genie durations with jitter; replaces `genieStatusStepMilliseconds` when set. */
  genieLatency?: GenieLatencyModel;
  /** How long a Genie query result stays readable, in seconds; defaults to 3600. */
  genieResultLifetimeSeconds?: number;
  /** Genie questions accepted per minute across the workspace; unset means no limit. */
  genieQuestionsPerMinute?: number;
  /** Length of the window the throughput limit counts in, in milliseconds; defaults to 60,000. */
  genieThroughputWindowMilliseconds?: number;
  /** Whether Genie writes SQL with the model at `modelUrl`; defaults to true when `modelUrl` is set. */
  genieUsesModel?: boolean;
  /** Time a SQL statement waits in PENDING before the warehouse runs it, in milliseconds; defaults to 0. */
  statementQueueMilliseconds?: number;
}

export type RouteFactory = (
  dependencies: RouteDependencies,
) => Hono<LocalWorkspaceEnv>;
