import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WarehouseError } from "../contracts.js";
import { loadWorkspaceDefinition } from "../definition/load-definition.js";
import { PgliteWarehouse } from "./pglite-warehouse.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const flightsTable = "samples.aviation.flights";
const countFlights = `SELECT COUNT(*) AS flight_count FROM ${flightsTable}`;

/** Census Bureau regions, written out here so the test does not trust the definition. */
const regionStates = {
  west: "AK AZ CA CO HI ID MT NM NV OR UT WA WY",
  northeast: "CT MA ME NH NJ NY PA RI VT",
} as const;

/** Counts flights per origin region straight from the vega-datasets files. */
function expectedCounts(): { west: number; northeast: number; all: number } {
  let folder = dirname(createRequire(import.meta.url).resolve("vega-datasets"));
  while (!existsSync(join(folder, "data", "airports.csv"))) {
    folder = dirname(folder);
  }
  const flights = JSON.parse(
    readFileSync(join(folder, "data", "flights-20k.json"), "utf8"),
  ) as { origin: string }[];
  const airports = parse(
    readFileSync(join(folder, "data", "airports.csv"), "utf8"),
    { columns: true },
  ) as { iata: string; state: string }[];
  const stateOf = new Map(
    airports.map((airport) => [airport.iata, airport.state]),
  );
  const countIn = (states: string) =>
    flights.filter((flight) =>
      states.split(" ").includes(stateOf.get(flight.origin) ?? ""),
    ).length;

  return {
    west: countIn(regionStates.west),
    northeast: countIn(regionStates.northeast),
    all: flights.length,
  };
}

const expected = expectedCounts();
let warehouse: PgliteWarehouse;

beforeAll(async () => {
  const demoPath = join(repositoryRoot, "examples", "local-workspace.yaml");
  const loaded = await loadWorkspaceDefinition(demoPath);
  warehouse = await PgliteWarehouse.create(loaded.definition, {
    baseDirectory: loaded.baseDirectory,
  });
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
});

async function flightCount(principal: string): Promise<number> {
  const result = await warehouse.query(principal, countFlights);
  return Number(result.rows[0]?.[0]);
}

async function failure(action: Promise<unknown>): Promise<WarehouseError> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WarehouseError);
  return error as WarehouseError;
}

describe("row filter and grants", () => {
  it("shows alice only West-origin flights", async () => {
    expect(expected.west).toBeGreaterThan(1000);
    expect(await flightCount("alice@example.com")).toBe(expected.west);
  });

  it("shows bob only Northeast-origin flights", async () => {
    expect(expected.northeast).toBeGreaterThan(500);
    expect(await flightCount("bob@example.com")).toBe(expected.northeast);
  });

  it("shows carol all 20,000 flights", async () => {
    expect(await flightCount("carol@example.com")).toBe(20_000);
    expect(expected.all).toBe(20_000);
  });

  it("filters a nested-group member like its parent group", async () => {
    // erin belongs to region_west only through the demo's nested group pacific.
    expect(await flightCount("erin@example.com")).toBe(expected.west);
  });

  it("keeps the storage tables behind the views from principals", async () => {
    const error = await failure(
      warehouse.query(
        "carol@example.com",
        "SELECT COUNT(*) FROM `local_workspace_storage`.`samples.aviation.flights`",
      ),
    );

    expect(error.errorClass).toBe("INSUFFICIENT_PERMISSIONS");
    expect(error.message).toContain(
      "the schema local_workspace_storage belongs to the local workspace itself",
    );
  });

  it("keeps origin states of other regions from alice", async () => {
    const result = await warehouse.query(
      "alice@example.com",
      `SELECT DISTINCT a.state FROM ${flightsTable} f JOIN samples.aviation.airports a ON a.iata = f.origin ORDER BY 1`,
    );
    const westStates = regionStates.west.split(" ");
    const outsideWest = result.rows
      .map((row) => row[0])
      .filter((state) => !westStates.includes(`${state}`));

    expect(result.rows.length).toBeGreaterThan(5);
    expect(outsideWest).toEqual([]);
  });

  it("denies dave, naming the missing privileges", async () => {
    const error = await failure(
      warehouse.query("dave@example.com", countFlights),
    );

    expect(error.errorClass).toBe("INSUFFICIENT_PERMISSIONS");
    expect(error.message).toBe(
      "Insufficient privileges: User does not have USE CATALOG on Catalog 'samples', USE SCHEMA on Schema 'samples.aviation' and SELECT on Table 'samples.aviation.flights'.",
    );
  });

  it("lets the administrator bypass the row filter", async () => {
    const result = await warehouse.queryAsAdministrator(
      `SELECT current_user, COUNT(*) FROM ${flightsTable}`,
    );

    expect(result.rows).toEqual([["postgres", "20000"]]);
  });
});

describe("read-only enforcement", () => {
  it.each([
    [`INSERT INTO ${flightsTable} (delay) VALUES (1)`],
    [
      `WITH removed AS (DELETE FROM ${flightsTable} RETURNING 1) SELECT COUNT(*) FROM removed`,
    ],
    ["SELECT set_config('role', 'postgres', false)"],
    ["SELECT pg_sleep(30)"],
    ["SELECT pg_sleep_for('30 seconds')"],
    ["SET ROLE postgres"],
    ["RESET ROLE"],
    [`DROP TABLE ${flightsTable}`],
  ])("rejects %s", async (sql) => {
    const error = await failure(warehouse.query("carol@example.com", sql));

    expect(error.errorClass).toBe("INSUFFICIENT_PERMISSIONS");
    expect(await flightCount("carol@example.com")).toBe(20_000);
    const administrator = await warehouse.queryAsAdministrator(
      "SELECT current_user",
    );
    expect(administrator.rows).toEqual([["postgres"]]);
  });
});

interface Outcome {
  principal: string;
  row?: (string | null)[];
  error?: unknown;
}

describe("concurrency", () => {
  it("never leaks a role between 40 interleaved queries", async () => {
    const principals = [
      "alice@example.com",
      "bob@example.com",
      "carol@example.com",
      "dave@example.com",
      "erin@example.com",
    ];
    const expectedByPrincipal: Record<string, number | "denied"> = {
      "alice@example.com": expected.west,
      "bob@example.com": expected.northeast,
      "carol@example.com": 20_000,
      "dave@example.com": "denied",
      "erin@example.com": expected.west,
    };

    const runs = Array.from({ length: 40 }, (_, index) => {
      const principal = principals[index % principals.length] as string;
      return warehouse
        .query(
          principal,
          `SELECT current_user, COUNT(*) FROM ${flightsTable} WHERE delay > :floor`,
          [{ name: "floor", value: "-10000", type: "INT" }],
        )
        .then(
          (result): Outcome => ({ principal, row: result.rows[0] }),
          (error: unknown): Outcome => ({ principal, error }),
        );
    });
    const outcomes = await Promise.all(runs);

    for (const outcome of outcomes) {
      const expectation = expectedByPrincipal[outcome.principal];
      if (expectation === "denied") {
        expect(outcome.error).toBeInstanceOf(WarehouseError);
        continue;
      }
      expect(outcome.row).toEqual([outcome.principal, String(expectation)]);
    }
    const administrator = await warehouse.queryAsAdministrator(
      "SELECT current_user",
    );
    expect(administrator.rows).toEqual([["postgres"]]);
  });
});

describe("results and errors", () => {
  it("reports Databricks types and string values", async () => {
    const result = await warehouse.query(
      "carol@example.com",
      `SELECT date, delay, origin, CAST(delay AS BIGINT) AS long_delay,
         CAST(1.50 AS DECIMAL(5, 2)) AS amount, ROUND(AVG(delay) OVER (), 2) AS average,
         CAST(0.5 AS DOUBLE) AS ratio, delay > 0 AS late, CAST(date AS DATE) AS day,
         CAST(NULL AS STRING) AS nothing
       FROM ${flightsTable} ORDER BY date, origin LIMIT 1`,
    );

    expect(
      result.columns.map((column) => [column.name, column.typeName]),
    ).toEqual([
      ["date", "TIMESTAMP"],
      ["delay", "INT"],
      ["origin", "STRING"],
      ["long_delay", "LONG"],
      ["amount", "DECIMAL"],
      ["average", "DECIMAL"],
      ["ratio", "DOUBLE"],
      ["late", "BOOLEAN"],
      ["day", "DATE"],
      ["nothing", "STRING"],
    ]);
    expect(result.columns[4]?.typeText).toBe("DECIMAL(38,2)");
    expect(result.rows[0]).toEqual([
      "2001-01-01T00:47:00.000",
      "66",
      "DTW",
      "66",
      "1.50",
      expect.stringMatching(/^-?\d+\.\d{2}$/),
      "0.5",
      "true",
      "2001-01-01",
      null,
    ]);
  });

  it("binds a month parameter against EXTRACT", async () => {
    const result = await warehouse.query(
      "carol@example.com",
      `SELECT COUNT(*) FROM ${flightsTable} WHERE EXTRACT(MONTH FROM date) = :month AND origin = :airport`,
      [
        { name: "month", value: "2", type: "INT" },
        { name: "airport", value: "SFO" },
      ],
    );

    expect(Number(result.rows[0]?.[0])).toBeGreaterThan(0);
  });

  it.each([
    [
      "SELECT * FROM samples.aviation.flightz",
      "TABLE_OR_VIEW_NOT_FOUND",
      "samples.aviation.flightz",
    ],
    ["SELECT * FROM flights", "TABLE_OR_VIEW_NOT_FOUND", "flights"],
    ["SELECT nope FROM samples.aviation.flights", "UNRESOLVED_COLUMN", "nope"],
    ["SELECT FROM WHERE", "PARSE_SYNTAX_ERROR", "WHERE"],
    ["selec 1", "PARSE_SYNTAX_ERROR", "selec"],
    ["SELECT 1; SELECT 2", "PARSE_SYNTAX_ERROR", "multiple commands"],
  ])("maps %j to %s", async (sql, errorClass, fragment) => {
    const error = await failure(warehouse.query("carol@example.com", sql));

    expect(error.errorClass).toBe(errorClass);
    expect(error.message).toContain(fragment);
  });

  it("rejects an unknown principal", async () => {
    const error = await failure(
      warehouse.query("mallory@example.com", "SELECT 1"),
    );

    expect(error.errorClass).toBe("PRINCIPAL_DOES_NOT_EXIST");
  });
});
