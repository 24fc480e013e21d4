import type { Tool } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type Responder,
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import { loadConfig } from "../config/load.js";
import type { SqlToolConfig } from "../config/schema.js";
import {
  type BehalfError,
  InvalidRequestError,
  MissingScopeError,
} from "../errors/errors.js";
import { runInRequestScope } from "../identity/request-context.js";
import { UserCredential } from "../identity/user-credential.js";
import { redirectLogs } from "../logging/logger.js";
import { withScopeCheck } from "./scopes.js";
import { createSqlTool, type SqlToolResult, sqlScopes } from "./sql-tool.js";
import type { ToolProgress } from "./tool-context.js";

const config: SqlToolConfig = {
  name: "flights_sql",
  warehouseId: "4b9e0c6f7a2d1e35",
  description: "Flights",
  rowLimit: 1000,
  deadlineSeconds: 10,
};
const userToken = "dapi-alice-opaque-token";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Builds the tool as the server registers it: wrapped in the scope check. */
async function toolFor(
  responder: Responder,
  overrides: Partial<SqlToolConfig> = {},
): Promise<Tool> {
  server = await startScriptedServer(responder);
  const sqlTool = createSqlTool(
    { ...config, ...overrides },
    { host: server.url, statementOptions: { pollDelay: () => 5 } },
  );
  return withScopeCheck(sqlTool, {
    tool: config.name,
    scopes: sqlScopes,
    resource: `sql_warehouse:${config.warehouseId}`,
  });
}

interface Call {
  output?: SqlToolResult;
  error?: BehalfError;
  progress: ToolProgress[];
  logs: Record<string, unknown>[];
}

async function callAs(
  token: string,
  sqlTool: Tool,
  input: Record<string, unknown>,
): Promise<Call> {
  const progress: ToolProgress[] = [];
  const lines: string[] = [];
  const restore = redirectLogs((line) => lines.push(line), "info");
  const call: Call = { progress, logs: [] };
  try {
    call.output = await runInRequestScope(
      {
        requestId: "request-1",
        credential: new UserCredential(token),
        user: { id: "1001", userName: "alice@example.com" },
        signal: new AbortController().signal,
      },
      () =>
        sqlTool.execute?.(input, {
          toolCallId: "call-1",
          messages: [],
          experimental_context: {
            reportProgress: (event: ToolProgress) => progress.push(event),
          },
        }),
    );
  } catch (error) {
    call.error = error as BehalfError;
  } finally {
    restore();
  }
  call.logs = lines.map((line) => JSON.parse(line));
  for (const line of lines) {
    expect(line).not.toContain(token);
  }
  return call;
}

function auditLine(call: Call): Record<string, unknown> | undefined {
  return call.logs.find((entry) => entry.audit === true);
}

function manyRows(count: number) {
  const succeeded = loadFixture<{
    manifest: { total_row_count: number; schema: unknown };
    result: { data_array: unknown[]; row_count: number };
  }>("sql-statement-succeeded");
  succeeded.manifest.total_row_count = count;
  succeeded.result.row_count = count;
  succeeded.result.data_array = Array.from({ length: count }, (_, index) => [
    String(index),
    "1",
  ]);
  return succeeded;
}

describe("SQL tool read-only rule", () => {
  it.each([
    ["DROP TABLE samples.aviation.flights", /starts with "DROP"/],
    ["SELECT 1; DROP TABLE t", /second statement/],
    ["WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", /ends in INSERT/],
    ["SELECT 'unclosed", /no closing '/],
  ])("rejects %j without any request", async (statement, message) => {
    const sqlTool = await toolFor(() => ({
      body: loadFixture("sql-statement-succeeded"),
    }));
    const call = await callAs(userToken, sqlTool, { statement });

    expect(call.error).toBeInstanceOf(InvalidRequestError);
    expect(call.error?.message).toMatch(
      /^The SQL tool did not run the statement: /,
    );
    expect(call.error?.message).toMatch(message);
    expect(server?.requests).toHaveLength(0);
    expect(auditLine(call)).toMatchObject({
      tool: "flights_sql",
      outcome: "error",
      errorCode: "INVALID_REQUEST",
    });
  });
});

describe("SQL tool", () => {
  it("runs the statement with the user's token", async () => {
    const sqlTool = await toolFor(() => ({
      body: loadFixture("sql-statement-succeeded"),
    }));
    const call = await callAs(userToken, sqlTool, {
      statement: "SELECT 1;",
      parameters: [
        { name: "month", value: 2, type: "INT" },
        { name: "origin", value: null },
      ],
    });

    expect(call.error).toBeUndefined();
    const sent = server?.requests[0];
    expect(sent?.headers.authorization).toBe(`Bearer ${userToken}`);
    expect(JSON.parse(sent?.body ?? "")).toMatchObject({
      statement: "SELECT 1",
      warehouse_id: "4b9e0c6f7a2d1e35",
      row_limit: 1000,
      parameters: [
        { name: "month", value: "2", type: "INT" },
        { name: "origin", value: null },
      ],
    });
    expect(call.output).toEqual({
      warehouseId: "4b9e0c6f7a2d1e35",
      statementId: "01f0a7c4-5b2e-1d3c-9e8f-6a1b2c3d4e5f",
      state: "SUCCEEDED",
      sql: "SELECT 1",
      columns: [
        { name: "avg_departure_delay_minutes", type: "DECIMAL" },
        { name: "flight_count", type: "LONG" },
      ],
      rows: [[10.21, 1652]],
      rowCount: 1,
      rowsShown: 1,
      truncated: false,
    });
  });

  it("reports each state and the statement id", async () => {
    const fixtures = ["sql-statement-pending", "sql-statement-succeeded"];
    const sqlTool = await toolFor((_, index) => ({
      body: loadFixture(fixtures[index] ?? "sql-statement-succeeded"),
    }));
    const call = await callAs(userToken, sqlTool, { statement: "SELECT 1" });

    const statementId = "01f0a7c4-5b2e-1d3c-9e8f-6a1b2c3d4e5f";
    expect(call.progress.map((event) => event.status)).toEqual([
      "PENDING",
      "SUCCEEDED",
      "QUERY_RESULT",
    ]);
    expect(call.progress[0]).toEqual({
      toolCallId: "call-1",
      toolName: "flights_sql",
      status: "PENDING",
      data: { statementId },
    });
    expect(call.progress[2]?.data).toEqual({
      sql: "SELECT 1",
      statementId,
      rowCount: 1,
    });
    expect(auditLine(call)).toMatchObject({
      audit: true,
      userName: "alice@example.com",
      tool: "flights_sql",
      resource: "sql_warehouse:4b9e0c6f7a2d1e35",
      outcome: "success",
      facts: { statementId, rowCount: 1, truncated: false },
    });
  });

  it("shows the model at most 50 rows and the total", async () => {
    const sqlTool = await toolFor(() => ({ body: manyRows(120) }));
    const call = await callAs(userToken, sqlTool, { statement: "SELECT 1" });

    expect(call.output?.rows).toHaveLength(50);
    expect(call.output?.rowCount).toBe(120);
    expect(call.output?.rowsShown).toBe(50);
    expect(call.output?.truncated).toBe(true);
    expect(call.output?.truncationReason).toBe("model-row-budget");
  });

  it("says when the row limit cut the result", async () => {
    const limited = manyRows(20);
    (limited.manifest as Record<string, unknown>).truncated = true;
    const sqlTool = await toolFor(() => ({ body: limited }), { rowLimit: 20 });
    const call = await callAs(userToken, sqlTool, { statement: "SELECT 1" });

    expect(call.output?.rows).toHaveLength(20);
    expect(call.output?.truncationReason).toBe("row-limit");
    expect(JSON.parse(server?.requests[0]?.body ?? "").row_limit).toBe(20);
  });

  it("fails with the warehouse's permission error", async () => {
    const sqlTool = await toolFor(() => ({
      body: loadFixture("sql-statement-failed-permission"),
    }));
    const call = await callAs(userToken, sqlTool, { statement: "SELECT 1" });

    expect(call.error?.code).toBe("PERMISSION_DENIED");
    expect(call.error?.message).toContain("Insufficient privileges");
    expect(auditLine(call)).toMatchObject({
      outcome: "error",
      errorCode: "PERMISSION_DENIED",
      facts: {
        statementId: "01f0a7c4-8e51-1a6f-ab12-9d4e5f607182",
        state: "FAILED",
      },
    });
  });
});

describe("SQL tool scopes", () => {
  it("refuses a token without the sql scope before any request", async () => {
    const sqlTool = await toolFor(() => ({
      body: loadFixture("sql-statement-succeeded"),
    }));
    const encode = (value: object) =>
      Buffer.from(JSON.stringify(value)).toString("base64url");
    const genieOnly = [
      encode({ alg: "RS256", typ: "JWT" }),
      encode({ sub: "alice@example.com", scope: "genie" }),
      "signature",
    ].join(".");
    const call = await callAs(genieOnly, sqlTool, { statement: "SELECT 1" });

    expect(call.error).toBeInstanceOf(MissingScopeError);
    expect(server?.requests).toHaveLength(0);
    expect(auditLine(call)).toMatchObject({ errorCode: "MISSING_SCOPE" });
  });

  it("maps the workspace's missing-scope 403 to the same error", async () => {
    const sqlTool = await toolFor(() => ({
      status: 403,
      body: loadFixture("sql-error-missing-scope"),
    }));
    const call = await callAs(userToken, sqlTool, { statement: "SELECT 1" });

    expect(call.error).toBeInstanceOf(MissingScopeError);
    expect((call.error as MissingScopeError).missingScopes).toEqual(["sql"]);
    expect(server?.requests).toHaveLength(1);
    expect(auditLine(call)).toMatchObject({ errorCode: "MISSING_SCOPE" });
  });
});

describe("SQL tool configuration", () => {
  it("applies defaults and the environment", async () => {
    const loaded = await loadConfig({
      environment: {
        BEHALF_LLM_ENDPOINT: "chat",
        BEHALF_SQL_WAREHOUSE_ID: "abc123",
        BEHALF_SQL_DESCRIPTION: "Sales tables",
      },
    });
    expect(loaded.tools.sql).toEqual([
      {
        name: "sql",
        warehouseId: "abc123",
        description: "Sales tables",
        rowLimit: 1000,
        deadlineSeconds: 120,
      },
    ]);
  });

  it("rejects a name a Genie tool already uses", async () => {
    const failure = loadConfig({
      environment: {},
      overrides: {
        llm: { endpoint: "chat" },
        tools: {
          genie: [{ name: "flights", spaceId: "s", description: "d" }],
          sql: [{ name: "flights", warehouseId: "w", description: "d" }],
        },
      },
    });
    await expect(failure).rejects.toThrow(
      'tools.sql[0].name: the tool name "flights" is used twice',
    );
  });
});
