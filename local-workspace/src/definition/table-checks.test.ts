import { describe, expect, it } from "vitest";
import type { TableDefinition } from "../contracts.js";
import { parseWorkspaceDefinition } from "./load-definition.js";
import { demoCopy, problemLines } from "./test-support.js";

/** A table filled from `sql` with two columns. */
function queryTable(name: string, sql: string): TableDefinition {
  return {
    name,
    columns: [
      { name: "state", type: "STRING" },
      { name: "strike_count", type: "LONG" },
    ],
    source: { sql },
  };
}

describe("catalog checks", () => {
  it("require each table's schema among declared catalogs", async () => {
    const definition = await demoCopy();
    definition.tables.push(
      {
        name: "samples.weather.stations",
        columns: [{ name: "id", type: "STRING" }],
        source: { rows: [] },
      },
      {
        name: "finance.costs.invoices",
        columns: [{ name: "id", type: "STRING" }],
        source: { rows: [] },
      },
    );

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "catalogs.yaml"),
    );

    expect(lines).toEqual([
      'catalogs.yaml: tables[4].name: schema "samples.weather" is not declared; add schema "weather" to catalogs[0].schemas, or correct the table name',
      'catalogs.yaml: tables[5].name: schema "finance.costs" is not declared; add catalog "finance" with schema "costs" under catalogs, or correct the table name',
    ]);
  });

  it("imply catalogs from table names when none are declared", async () => {
    const definition = await demoCopy();
    delete definition.catalogs;

    expect(() => parseWorkspaceDefinition(definition, "implied")).not.toThrow();
  });

  it("accept grants on a declared schema without tables", async () => {
    const definition = await demoCopy();
    definition.catalogs?.[0]?.schemas.push({
      name: "empty",
      comment: "No tables yet.",
    });
    definition.grants.push({
      principal: "finance",
      privileges: ["USE SCHEMA"],
      securable: "samples.empty",
    });

    expect(() => parseWorkspaceDefinition(definition, "empty")).not.toThrow();
  });

  it("reject duplicate catalog and schema names", async () => {
    const definition = await demoCopy();
    definition.catalogs?.push({
      name: "samples",
      schemas: [{ name: "a" }, { name: "a" }],
    });

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "twice.yaml"),
    );

    expect(lines).toEqual([
      'twice.yaml: catalogs[1].name: duplicate catalog name "samples", already used at catalogs[0].name; give each one a unique name',
      'twice.yaml: catalogs[1].schemas[1].name: duplicate schema name "a", already used at catalogs[1].schemas[0].name; give each one a unique name',
    ]);
  });
});

describe("query source checks", () => {
  it("accept a query over earlier tables", async () => {
    const definition = await demoCopy();
    definition.tables.push(
      queryTable(
        "samples.aviation.strikes_by_state",
        "SELECT origin_state, COUNT(*) FROM samples.aviation.bird_strikes GROUP BY origin_state",
      ),
    );

    expect(() => parseWorkspaceDefinition(definition, "query")).not.toThrow();
  });

  it("reject later tables, markers and statements that are not queries", async () => {
    const definition = await demoCopy();
    definition.tables.unshift(
      queryTable(
        "samples.aviation.strikes_by_state",
        "SELECT origin_state, COUNT(*) FROM samples.aviation.bird_strikes WHERE origin_state = :state GROUP BY origin_state",
      ),
      queryTable(
        "samples.aviation.cleanup",
        "DELETE FROM samples.aviation.flights",
      ),
    );

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "order.yaml"),
    );

    expect(lines).toEqual([
      "order.yaml: tables[0].source.sql: uses the marker :state, but a table's query has no parameters; write the value into the SQL",
      'order.yaml: tables[0].source.sql: refers to table "samples.aviation.bird_strikes", which is not listed before this table; list it earlier under tables, because tables load in order',
      "order.yaml: tables[1].source.sql: must be one query (SELECT, WITH, VALUES or TABLE) whose rows fill the table",
      'order.yaml: tables[1].source.sql: refers to table "samples.aviation.flights", which is not listed before this table; list it earlier under tables, because tables load in order',
    ]);
  });

  it("accept Parquet as a file format", async () => {
    const definition = await demoCopy();
    definition.tables.push({
      name: "samples.aviation.flights_3m",
      columns: [{ name: "origin", type: "STRING" }],
      source: {
        format: "parquet",
        package: "vega-datasets",
        path: "data/flights-3m.parquet",
      },
    });

    const parsed = parseWorkspaceDefinition(definition, "parquet");

    expect(parsed.tables[4]?.source).toMatchObject({ format: "parquet" });
  });
});
