import { afterEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type Responder,
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import {
  CancelledError,
  DeadlineExceededError,
  MissingScopeError,
  NotFoundError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { type RunStatementOptions, runStatement } from "./statement-run.js";
import {
  StatementExecutionClient,
  StatementFailedError,
  type StatementRequest,
} from "./statements.js";
import { WorkspaceClient } from "./workspace-client.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(responder: Responder) {
  server = await startScriptedServer(responder);
  return new StatementExecutionClient(
    new WorkspaceClient({
      host: server.url,
      authorization: () => "Bearer user-token",
      baseRetryDelayMilliseconds: 1,
    }),
  );
}

const request: StatementRequest = {
  statement: "SELECT 1",
  warehouseId: "4b9e0c6f7a2d1e35",
  rowLimit: 1000,
};

const fast: RunStatementOptions = {
  deadlineMilliseconds: 10_000,
  pollDelay: () => 5,
};

function requestLines(): string[] {
  return (server?.requests ?? []).map(
    (recorded) => `${recorded.method} ${recorded.path}`,
  );
}

const statementPath = "/api/2.0/sql/statements";
const pendingId = "01f0a7c4-5b2e-1d3c-9e8f-6a1b2c3d4e5f";
const chunkedId = "01f0a7c4-6c3f-1e4d-8f90-7b2c3d4e5f60";

describe("runStatement", () => {
  it("sends the documented request body", async () => {
    const client = await clientFor(() => ({
      body: loadFixture("sql-statement-succeeded"),
    }));
    await runStatement(
      client,
      {
        ...request,
        catalog: "samples",
        schema: "aviation",
        parameters: [{ name: "month", value: "2", type: "INT" }],
        rowLimit: 250,
      },
      fast,
    );

    const sent = server?.requests[0];
    expect(sent?.method).toBe("POST");
    expect(sent?.path).toBe(statementPath);
    expect(sent?.headers.authorization).toBe("Bearer user-token");
    expect(JSON.parse(sent?.body ?? "")).toEqual({
      statement: "SELECT 1",
      warehouse_id: "4b9e0c6f7a2d1e35",
      catalog: "samples",
      schema: "aviation",
      parameters: [{ name: "month", value: "2", type: "INT" }],
      wait_timeout: "10s",
      on_wait_timeout: "CONTINUE",
      row_limit: 250,
      disposition: "INLINE",
      format: "JSON_ARRAY",
    });
  });

  it("keeps wait_timeout within the deadline", async () => {
    const client = await clientFor(() => ({
      body: loadFixture("sql-statement-succeeded"),
    }));
    await runStatement(client, request, { deadlineMilliseconds: 7500 });
    await runStatement(client, request, { deadlineMilliseconds: 3000 });

    const waits = server?.requests.map(
      (recorded) => JSON.parse(recorded.body).wait_timeout,
    );
    expect(waits).toEqual(["7s", "0s"]);
  });

  it("returns typed rows answered inline", async () => {
    const client = await clientFor(() => ({
      body: loadFixture("sql-statement-succeeded"),
    }));
    const states: string[] = [];
    const run = await runStatement(client, request, {
      ...fast,
      onState: (state) => states.push(state),
    });

    expect(run.statementId).toBe(pendingId);
    expect(run.result.columns).toEqual([
      { name: "avg_departure_delay_minutes", type: "DECIMAL" },
      { name: "flight_count", type: "LONG" },
    ]);
    expect(run.result.rows).toEqual([[10.21, 1652]]);
    expect(run.result.rowCount).toBe(1);
    expect(run.result.truncated).toBe(false);
    expect(run.truncationReason).toBeUndefined();
    expect(states).toEqual(["SUCCEEDED"]);
    expect(requestLines()).toEqual([`POST ${statementPath}`]);
  });

  it("polls while the statement is pending or running", async () => {
    const fixtures = [
      "sql-statement-pending",
      "sql-statement-running",
      "sql-statement-running",
      "sql-statement-succeeded",
    ];
    const client = await clientFor((_, index) => ({
      body: loadFixture(fixtures[index] ?? "sql-statement-succeeded"),
    }));
    const states: string[] = [];
    const run = await runStatement(client, request, {
      ...fast,
      onState: (state) => states.push(state),
    });

    expect(run.result.rows).toEqual([[10.21, 1652]]);
    expect(states).toEqual(["PENDING", "RUNNING", "SUCCEEDED"]);
    expect(requestLines()).toEqual([
      `POST ${statementPath}`,
      `GET ${statementPath}/${pendingId}`,
      `GET ${statementPath}/${pendingId}`,
      `GET ${statementPath}/${pendingId}`,
    ]);
  });

  it("reads every further chunk", async () => {
    const client = await clientFor((recorded) => ({
      body: loadFixture(
        recorded.path.endsWith("/chunks/1")
          ? "sql-result-chunk-1"
          : recorded.path.endsWith("/chunks/2")
            ? "sql-result-chunk-2"
            : "sql-statement-succeeded-chunked",
      ),
    }));
    const run = await runStatement(client, request, fast);

    expect(run.result.rows).toEqual([
      ["SFO", 12],
      ["LAX", -3],
      ["SEA", 7],
      ["PDX", null],
      ["SAN", 0],
    ]);
    expect(run.result.rowCount).toBe(5);
    expect(run.result.truncated).toBe(false);
    expect(requestLines()).toEqual([
      `POST ${statementPath}`,
      `GET ${statementPath}/${chunkedId}/result/chunks/1`,
      `GET ${statementPath}/${chunkedId}/result/chunks/2`,
    ]);
  });

  it("stops reading chunks at the row limit", async () => {
    const client = await clientFor((recorded) => ({
      body: loadFixture(
        recorded.path.endsWith("/chunks/1")
          ? "sql-result-chunk-1"
          : "sql-statement-succeeded-chunked",
      ),
    }));
    const run = await runStatement(client, { ...request, rowLimit: 3 }, fast);

    expect(run.result.rows).toHaveLength(3);
    expect(run.result.truncated).toBe(true);
    expect(run.truncationReason).toBe("row-limit");
    expect(requestLines()).toHaveLength(2);
  });

  it("flags a result the row limit cut", async () => {
    const succeeded = loadFixture<{ manifest: Record<string, unknown> }>(
      "sql-statement-succeeded",
    );
    succeeded.manifest.truncated = true;
    const client = await clientFor(() => ({ body: succeeded }));
    const run = await runStatement(client, { ...request, rowLimit: 1 }, fast);

    expect(run.result.truncated).toBe(true);
    expect(run.truncationReason).toBe("row-limit");
  });
});

describe("runStatement failures", () => {
  it("raises the SQL error text of a FAILED statement", async () => {
    const client = await clientFor(() => ({
      body: loadFixture("sql-statement-failed"),
    }));
    const failure = await runStatement(client, request, fast).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(StatementFailedError);
    const error = failure as StatementFailedError;
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.errorClass).toBe("TABLE_OR_VIEW_NOT_FOUND");
    expect(error.statementId).toBe("01f0a7c4-7d40-1f5e-9a01-8c3d4e5f6071");
    expect(error.message).toContain(
      "[TABLE_OR_VIEW_NOT_FOUND] The table or view `samples`.`aviation`.`flight` cannot be found",
    );
    expect(error.message).toContain("Fix the statement");
  });

  it("raises a permission error for a denied privilege", async () => {
    const client = await clientFor(() => ({
      body: loadFixture("sql-statement-failed-permission"),
    }));
    const failure = await runStatement(client, request, fast).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(StatementFailedError);
    expect((failure as StatementFailedError).code).toBe("PERMISSION_DENIED");
    expect((failure as StatementFailedError).status).toBe(403);
    expect((failure as Error).message).toContain(
      "User does not have USE CATALOG on Catalog 'samples'",
    );
  });

  it.each([
    ["sql-statement-canceled", "CANCELED", /was canceled in the warehouse/],
    ["sql-statement-closed", "CLOSED", /no longer available/],
  ])("raises a typed error for %s", async (fixture, state, message) => {
    const client = await clientFor((_, index) => ({
      body: loadFixture(index === 0 ? "sql-statement-running" : fixture),
    }));
    const failure = await runStatement(client, request, fast).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(StatementFailedError);
    expect((failure as StatementFailedError).state).toBe(state);
    expect((failure as Error).message).toMatch(message);
  });

  it("cancels the statement when the deadline passes", async () => {
    const client = await clientFor((recorded) => ({
      body: recorded.path.endsWith("/cancel")
        ? {}
        : loadFixture("sql-statement-running"),
    }));
    const failure = await runStatement(client, request, {
      deadlineMilliseconds: 300,
      pollDelay: () => 20,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DeadlineExceededError);
    expect((failure as Error).message).toMatch(
      /did not finish within 0.3 s \(last state RUNNING\)/,
    );
    expect(requestLines().at(-1)).toBe(
      `POST ${statementPath}/${pendingId}/cancel`,
    );
  });

  it("cancels the statement when the signal aborts", async () => {
    const controller = new AbortController();
    const client = await clientFor((recorded, index) => {
      if (index === 1) {
        controller.abort();
      }
      return {
        body: recorded.path.endsWith("/cancel")
          ? {}
          : loadFixture("sql-statement-pending"),
      };
    });
    const failure = await runStatement(client, request, {
      ...fast,
      signal: controller.signal,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CancelledError);
    expect(requestLines().at(-1)).toBe(
      `POST ${statementPath}/${pendingId}/cancel`,
    );
  });

  it("cancels a statement whose submission outlived the abort", async () => {
    const client = await clientFor((recorded) =>
      recorded.path.endsWith("/cancel")
        ? { body: {} }
        : { body: loadFixture("sql-statement-running"), delay: 300 },
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const failure = await runStatement(client, request, {
      ...fast,
      signal: controller.signal,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(250);
    await expect
      .poll(() => requestLines().at(-1), { timeout: 2000 })
      .toBe(`POST ${statementPath}/${pendingId}/cancel`);
  });

  it("does not retry a submission that failed with 500", async () => {
    const client = await clientFor(() => ({
      status: 500,
      body: { error_code: "INTERNAL_ERROR", message: "boom" },
    }));
    const failure = runStatement(client, request, fast);

    await expect(failure).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(requestLines()).toEqual([`POST ${statementPath}`]);
  });

  it("retries a submission rejected with 429", async () => {
    const client = await clientFor((_, index) =>
      index === 0
        ? { status: 429, body: loadFixture("error-rate-limited") }
        : { body: loadFixture("sql-statement-succeeded") },
    );
    const run = await runStatement(client, request, fast);

    expect(run.result.rowCount).toBe(1);
    expect(requestLines()).toHaveLength(2);
  });

  it.each([
    [404, "sql-error-warehouse-not-found", NotFoundError],
    [403, "sql-error-missing-scope", MissingScopeError],
  ])("maps HTTP %i to a typed error", async (status, fixture, type) => {
    const client = await clientFor(() => ({
      status,
      body: loadFixture(fixture),
    }));

    await expect(runStatement(client, request, fast)).rejects.toBeInstanceOf(
      type,
    );
    expect(requestLines()).toHaveLength(1);
  });
});
