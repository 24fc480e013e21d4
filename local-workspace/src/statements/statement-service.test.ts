import { describe, expect, it } from "vitest";
import {
  type QueryResult,
  WarehouseError,
  type WorkspaceDefinition,
} from "../contracts.js";
import {
  alice,
  bob,
  FakeWarehouse,
  monthlyDelayResult,
  testDefinition,
  viewer,
} from "../genie/test-support.js";
import { StatementRequestError } from "./statement-request.js";
import {
  resultLifetimeMilliseconds,
  StatementService,
  type StatementServiceOptions,
} from "./statement-service.js";

const warehouseId = "4b9e0c6f7a2d1e35";

const definition: WorkspaceDefinition = {
  ...testDefinition,
  warehouses: [
    {
      id: warehouseId,
      name: "Test warehouse",
      permissions: [{ principal: "flights-readers", level: "CAN_USE" }],
    },
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: the views are plain JSON objects
type Json = any;

function setUp(
  answer: ConstructorParameters<typeof FakeWarehouse>[0] = () =>
    monthlyDelayResult("10.21", "1652"),
  options: Partial<StatementServiceOptions> = {},
) {
  const warehouse = new FakeWarehouse(answer);
  const service = new StatementService(definition, warehouse, {
    queueMilliseconds: 0,
    ...options,
  });
  return { warehouse, service };
}

function body(extra: Record<string, unknown> = {}) {
  return { statement: "SELECT 1", warehouse_id: warehouseId, ...extra };
}

function rows(count: number): QueryResult {
  return {
    columns: [{ name: "n", typeName: "INT", typeText: "INT" }],
    rows: Array.from({ length: count }, (_, index) => [String(index)]),
  };
}

function requestError(work: () => unknown): StatementRequestError {
  try {
    work();
  } catch (error) {
    if (error instanceof StatementRequestError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a StatementRequestError");
}

async function rejection(work: Promise<unknown>) {
  return (await work.catch((error: unknown) => error)) as StatementRequestError;
}

describe("StatementService execute", () => {
  it("answers inline when the statement finishes in time", async () => {
    const { service, warehouse } = setUp();
    const response: Json = await service.execute(
      alice,
      body({ parameters: [{ name: "month", value: "2", type: "INT" }] }),
    );

    expect(response.status).toEqual({ state: "SUCCEEDED" });
    expect(response.manifest).toMatchObject({
      format: "JSON_ARRAY",
      total_row_count: 1,
      total_chunk_count: 1,
      truncated: false,
    });
    expect(response.manifest.schema.columns[0]).toEqual({
      name: "avg_departure_delay_minutes",
      position: 0,
      type_name: "DECIMAL",
      type_text: "DECIMAL(10,2)",
      type_precision: 10,
      type_scale: 2,
    });
    expect(response.manifest.schema.columns[1]).toEqual({
      name: "flight_count",
      position: 1,
      type_name: "LONG",
      type_text: "BIGINT",
    });
    expect(response.result).toEqual({
      chunk_index: 0,
      row_offset: 0,
      row_count: 1,
      data_array: [["10.21", "1652"]],
    });
    expect(warehouse.queries).toEqual([
      {
        principalName: "alice@example.com",
        sql: "SELECT 1",
        parameters: [{ name: "month", value: "2", type: "INT" }],
      },
    ]);
  });

  it("returns RUNNING after wait_timeout and the result later", async () => {
    let finish: (result: QueryResult) => void = () => {};
    const { service } = setUp(
      () => new Promise<QueryResult>((resolve) => (finish = resolve)),
    );
    const response: Json = await service.execute(
      alice,
      body({ wait_timeout: "0s" }),
    );
    expect(response.status).toEqual({ state: "RUNNING" });
    expect(response.manifest).toBeUndefined();

    finish(monthlyDelayResult("1.00", "2"));
    await service.waitForStatement(response.statement_id);
    const later: Json = service.get(alice, response.statement_id);
    expect(later.status.state).toBe("SUCCEEDED");
    expect(later.result.data_array).toEqual([["1.00", "2"]]);
  });

  it("waits in PENDING while the warehouse is busy", async () => {
    const { service, warehouse } = setUp(undefined, { queueMilliseconds: 40 });
    const response: Json = await service.execute(
      alice,
      body({ wait_timeout: "0s" }),
    );
    expect(response.status.state).toBe("PENDING");
    expect(warehouse.queries).toHaveLength(0);

    await service.waitForStatement(response.statement_id);
    expect(
      (service.get(alice, response.statement_id) as Json).status.state,
    ).toBe("SUCCEEDED");
  });

  it("reports a SQL failure as FAILED with HTTP 200", async () => {
    const { service } = setUp(() => {
      throw new WarehouseError(
        "INSUFFICIENT_PERMISSIONS",
        "Insufficient privileges: User does not have SELECT on Table 'main.demo.flights'.",
        "42501",
      );
    });
    const response: Json = await service.execute(alice, body());

    expect(response.status).toEqual({
      state: "FAILED",
      error: {
        error_code: "BAD_REQUEST",
        message:
          "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on Table 'main.demo.flights'.",
      },
      sql_state: "42501",
    });
  });

  it("keeps row_limit rows and flags the cut", async () => {
    const { service } = setUp(() => rows(1200));
    const response: Json = await service.execute(
      alice,
      body({ row_limit: 700 }),
    );

    expect(response.manifest.total_row_count).toBe(700);
    expect(response.manifest.truncated).toBe(true);
    expect(response.manifest.total_chunk_count).toBe(2);
  });

  it("cancels at wait_timeout when on_wait_timeout is CANCEL", async () => {
    const { service } = setUp(undefined, { queueMilliseconds: 40 });
    const response: Json = await service.execute(
      alice,
      body({ wait_timeout: "0s", on_wait_timeout: "CANCEL" }),
    );
    expect(response.status).toEqual({ state: "CANCELED" });
  });

  it("needs CAN_USE on the warehouse, directly or through a group", async () => {
    const { service } = setUp();
    const error = await rejection(service.execute(viewer, body()));

    expect(error).toBeInstanceOf(StatementRequestError);
    expect(error.status).toBe(403);
    expect(error.errorCode).toBe("PERMISSION_DENIED");
    expect(error.message).toContain(
      `viewer@example.com does not have CAN_USE permission on warehouse ${warehouseId}`,
    );
  });

  it("answers 404 for an unknown warehouse", async () => {
    const { service } = setUp();
    const error = await rejection(
      service.execute(alice, body({ warehouse_id: "missing" })),
    );
    expect(error.status).toBe(404);
    expect(error.message).toContain("Warehouse missing does not exist");
  });

  it.each([
    [{ statement: "" }, /'statement' must be a non-empty string/],
    [{ warehouse_id: undefined }, /'warehouse_id' is required/],
    [{ wait_timeout: "3s" }, /"0s" or between "5s" and "50s"/],
    [{ wait_timeout: "60s" }, /"0s" or between "5s" and "50s"/],
    [{ disposition: "EXTERNAL_LINKS" }, /INLINE and format JSON_ARRAY only/],
    [{ row_limit: 0 }, /'row_limit' must be a positive integer/],
    [{ parameters: [{ value: "1" }] }, /'parameters\[0\].name'/],
    [{ parameters: [{ name: "a", value: 1 }] }, /'parameters\[0\].value'/],
  ])("rejects %j with 400", async (extra, message) => {
    const { service } = setUp();
    const error = await rejection(service.execute(alice, body(extra)));
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(error.message).toMatch(message);
  });
});

describe("StatementService chunks", () => {
  it("splits a result into chunks of 500 rows", async () => {
    const { service } = setUp(() => rows(1200));
    const response: Json = await service.execute(alice, body());
    const id = response.statement_id;

    expect(response.manifest.total_chunk_count).toBe(3);
    expect(response.manifest.chunks).toEqual([
      { chunk_index: 0, row_offset: 0, row_count: 500 },
      { chunk_index: 1, row_offset: 500, row_count: 500 },
      { chunk_index: 2, row_offset: 1000, row_count: 200 },
    ]);
    expect(response.result.next_chunk_index).toBe(1);
    expect(response.result.next_chunk_internal_link).toBe(
      `/api/2.0/sql/statements/${id}/result/chunks/1`,
    );

    const second: Json = service.getChunk(alice, id, "1");
    expect(second.data_array[0]).toEqual(["500"]);
    expect(second.next_chunk_index).toBe(2);
    const last: Json = service.getChunk(alice, id, "2");
    expect(last.row_count).toBe(200);
    expect(last.next_chunk_index).toBeUndefined();
    expect(requestError(() => service.getChunk(alice, id, "3")).status).toBe(
      404,
    );
  });

  it("sends no result for an empty result", async () => {
    const { service } = setUp(() => rows(0));
    const response: Json = await service.execute(alice, body());
    expect(response.manifest.total_chunk_count).toBe(0);
    expect(response.manifest.total_row_count).toBe(0);
    expect(response.result).toBeUndefined();
  });
});

describe("StatementService ownership and lifetime", () => {
  it("hides a statement from another user", async () => {
    const { service } = setUp();
    const response: Json = await service.execute(alice, body());
    const id = response.statement_id;

    for (const work of [
      () => service.get(bob, id),
      () => service.getChunk(bob, id, "0"),
      () => service.cancel(bob, id),
    ]) {
      const error = requestError(work);
      expect(error.status).toBe(404);
      expect(error.message).toBe(`Statement ${id} does not exist.`);
    }
  });

  it("answers 404 for an unknown statement", () => {
    const { service } = setUp();
    expect(requestError(() => service.get(alice, "nope")).status).toBe(404);
  });

  it("cancels a pending statement before it runs", async () => {
    const { service, warehouse } = setUp(undefined, { queueMilliseconds: 30 });
    const response: Json = await service.execute(
      alice,
      body({ wait_timeout: "0s" }),
    );

    expect(service.cancel(alice, response.statement_id)).toEqual({});
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((service.get(alice, response.statement_id) as Json).status).toEqual({
      state: "CANCELED",
    });
    expect(warehouse.queries).toHaveLength(0);
  });

  it("drops the result of a statement cancelled while running", async () => {
    let finish: (result: QueryResult) => void = () => {};
    const { service } = setUp(
      () => new Promise<QueryResult>((resolve) => (finish = resolve)),
    );
    const response: Json = await service.execute(
      alice,
      body({ wait_timeout: "0s" }),
    );
    service.cancel(alice, response.statement_id);
    finish(monthlyDelayResult("1.00", "2"));
    await new Promise((resolve) => setTimeout(resolve, 10));

    const after: Json = service.get(alice, response.statement_id);
    expect(after.status.state).toBe("CANCELED");
    expect(after.result).toBeUndefined();
  });

  it("leaves a finished statement as it is on cancel", async () => {
    const { service } = setUp();
    const response: Json = await service.execute(alice, body());
    service.cancel(alice, response.statement_id);
    expect(
      (service.get(alice, response.statement_id) as Json).status.state,
    ).toBe("SUCCEEDED");
  });

  it("reports CLOSED once the result has expired", async () => {
    let now = 1_000_000;
    const { service } = setUp(undefined, { now: () => now });
    const response: Json = await service.execute(alice, body());

    now += resultLifetimeMilliseconds + 1;
    expect(service.get(alice, response.statement_id)).toEqual({
      statement_id: response.statement_id,
      status: { state: "CLOSED" },
    });
    expect(
      requestError(() => service.getChunk(alice, response.statement_id, "0"))
        .status,
    ).toBe(404);
  });

  it("forgets the oldest statement beyond the maximum", async () => {
    const { service } = setUp(undefined, { maximumStatements: 2 });
    const first: Json = await service.execute(alice, body());
    await service.execute(alice, body());
    await service.execute(alice, body());

    expect(
      requestError(() => service.get(alice, first.statement_id)).status,
    ).toBe(404);
  });
});

describe("StatementService DESCRIBE and SHOW", () => {
  it("describes a table after a query as the caller", async () => {
    const { service, warehouse } = setUp(() => rows(0));
    const response: Json = await service.execute(
      alice,
      body({ statement: "DESCRIBE TABLE main.demo.airports" }),
    );

    expect(warehouse.queries.map((query) => query.sql)).toEqual([
      "SELECT * FROM main.demo.airports LIMIT 0",
    ]);
    expect(
      response.manifest.schema.columns.map((column: Json) => column.name),
    ).toEqual(["col_name", "data_type", "comment"]);
    expect(response.result.data_array).toEqual([
      ["iata", "string", null],
      ["name", "string", null],
      ["city", "string", null],
      ["state", "string", null],
    ]);
  });

  it("resolves a short name with the request's catalog and schema", async () => {
    const { service } = setUp(() => rows(0));
    const response: Json = await service.execute(
      alice,
      body({ statement: "DESC `airports`", catalog: "main", schema: "demo" }),
    );
    expect(response.status.state).toBe("SUCCEEDED");
  });

  it.each([
    ["DESCRIBE TABLE main.demo.nothing", {}, /TABLE_OR_VIEW_NOT_FOUND/],
    ["DESCRIBE airports", {}, /TABLE_OR_VIEW_NOT_FOUND/],
    ["DESCRIBE QUERY SELECT 1", {}, /UNSUPPORTED_FEATURE/],
    ["SHOW TABLES", {}, /INVALID_PARAMETER_VALUE.*no catalog and schema/],
    [
      "SHOW GRANTS ON main.demo.airports",
      {},
      /UNSUPPORTED_FEATURE.*SHOW GRANTS/,
    ],
    ["SELECT 1", { catalog: "other" }, /NO_SUCH_CATALOG_EXCEPTION/],
    ["SELECT 1", { catalog: "main", schema: "x" }, /SCHEMA_NOT_FOUND/],
  ])("fails %j %j", async (statement, extra, message) => {
    const { service } = setUp();
    const response: Json = await service.execute(
      alice,
      body({ statement, ...extra }),
    );
    expect(response.status.state).toBe("FAILED");
    expect(response.status.error.message).toMatch(message);
  });
});
