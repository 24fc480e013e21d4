import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  strikesByState,
  wildlifeStrikes,
} from "../../../test/helpers/wildlife-figures.js";
import { WarehouseError } from "../contracts.js";
import {
  loadWorkspaceDefinition,
  parseWorkspaceDefinition,
} from "../definition/load-definition.js";
import { PgliteWarehouse } from "./pglite-warehouse.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const strikesTable = "samples.aviation.bird_strikes";
const byStateTable = "samples.aviation.strikes_by_state";

/** State names of two Census Bureau regions, written out so the test does not trust the definition. */
const westStates = new Set([
  "Alaska",
  "Arizona",
  "California",
  "Colorado",
  "Hawaii",
  "Idaho",
  "Montana",
  "Nevada",
  "New Mexico",
  "Oregon",
  "Utah",
  "Washington",
  "Wyoming",
]);
const northeastStates = new Set([
  "Connecticut",
  "Maine",
  "Massachusetts",
  "New Hampshire",
  "New Jersey",
  "New York",
  "Pennsylvania",
  "Rhode Island",
  "Vermont",
]);

let warehouse: PgliteWarehouse;

beforeAll(async () => {
  const loaded = await loadWorkspaceDefinition(
    join(repositoryRoot, "examples", "local-workspace.yaml"),
  );
  // A table filled by a query, with a row filter and a mask of its own, on top of the
  // demo's masked bird_strikes table.
  const definition = structuredClone(loaded.definition);
  definition.tables.push({
    name: byStateTable,
    columns: [
      { name: "state_name", type: "STRING" },
      { name: "strike_count", type: "LONG" },
      { name: "repair_cost", type: "LONG" },
    ],
    source: {
      sql: `SELECT origin_state, COUNT(*), SUM(cost_repair) FROM ${strikesTable} GROUP BY origin_state`,
    },
  });
  definition.rowFilters.push({
    name: "strikes_by_state_region",
    table: byStateTable,
    expression: `is_account_group_member('all_regions') OR state_name IN (
      SELECT state_name FROM samples.aviation.region_states
      WHERE is_account_group_member(group_name))`,
  });
  definition.columnMasks?.push({
    name: "strikes_by_state_repair_cost",
    table: byStateTable,
    column: "repair_cost",
    expression:
      "CASE WHEN is_account_group_member('finance') THEN repair_cost END",
  });
  for (const group of ["region_west", "region_northeast", "all_regions"]) {
    definition.grants.push({
      principal: group,
      privileges: ["SELECT"],
      securable: byStateTable,
    });
  }

  warehouse = await PgliteWarehouse.create(
    parseWorkspaceDefinition(definition, "column mask test definition"),
    { baseDirectory: loaded.baseDirectory },
  );
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
});

/** Runs `sql` as `principal` and returns its rows keyed by column name. */
async function rowsAs(
  principal: string,
  sql: string,
): Promise<Record<string, string | null>[]> {
  const result = await warehouse.query(principal, sql);
  const names = result.columns.map((column) => column.name);
  return result.rows.map((row) =>
    Object.fromEntries(names.map((name, index) => [name, row[index] ?? null])),
  );
}

const perStateSql = `SELECT origin_state, COUNT(*) AS strike_count, SUM(cost_repair) AS repair_cost
  FROM ${strikesTable} GROUP BY origin_state ORDER BY origin_state`;

describe("masked wildlife strike costs", () => {
  const expected = strikesByState();

  it("show carol, in finance, the repair cost per state", async () => {
    const rows = await rowsAs("carol@example.com", perStateSql);

    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const totals = expected.get(String(row.origin_state));
      expect(Number(row.strike_count)).toBe(totals?.strikes);
      expect(Number(row.repair_cost)).toBe(totals?.repairCost);
    }
  });

  it("show alice every strike with NULL costs", async () => {
    const rows = await rowsAs(
      "alice@example.com",
      `SELECT COUNT(*) AS strikes, COUNT(cost_repair) AS repair_costs,
         COUNT(cost_other) AS other_costs, COUNT(cost_total) AS total_costs,
         COUNT(DISTINCT wildlife_species) AS species
       FROM ${strikesTable}`,
    );
    const species = new Set(wildlifeStrikes().map((strike) => strike.species));

    expect(rows).toEqual([
      {
        strikes: String(wildlifeStrikes().length),
        repair_costs: "0",
        other_costs: "0",
        total_costs: "0",
        species: String(species.size),
      },
    ]);
  });

  it("apply the mask before the WHERE clause", async () => {
    const sql = `SELECT COUNT(*) AS costly FROM ${strikesTable} WHERE cost_repair > 0`;
    const costly = wildlifeStrikes().filter((strike) => strike.repairCost > 0);

    expect(costly.length).toBeGreaterThan(50);
    expect(await rowsAs("alice@example.com", sql)).toEqual([{ costly: "0" }]);
    expect(await rowsAs("carol@example.com", sql)).toEqual([
      { costly: String(costly.length) },
    ]);
  });

  it("keep the column type for masked users", async () => {
    const sql = `SELECT cost_repair, cost_total FROM ${strikesTable} LIMIT 1`;
    const alice = await warehouse.query("alice@example.com", sql);
    const carol = await warehouse.query("carol@example.com", sql);

    expect(alice.columns).toEqual(carol.columns);
    expect(alice.columns.map((column) => column.typeName)).toEqual([
      "LONG",
      "LONG",
    ]);
  });

  it("hide costs from erin, a member through a nested group", async () => {
    const rows = await rowsAs(
      "erin@example.com",
      `SELECT COUNT(cost_repair) AS repair_costs FROM ${strikesTable}`,
    );

    expect(rows).toEqual([{ repair_costs: "0" }]);
  });

  it("deny dave, naming the strikes table", async () => {
    const error = await warehouse
      .query("dave@example.com", perStateSql)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).message).toContain(
      `SELECT on Table '${strikesTable}'`,
    );
  });

  it("let the administrator read the unmasked costs", async () => {
    const result = await warehouse.queryAsAdministrator(
      `SELECT SUM(cost_total) FROM ${strikesTable}`,
    );
    const total = wildlifeStrikes().reduce(
      (sum, strike) => sum + strike.totalCost,
      0,
    );

    expect(result.rows).toEqual([[String(total)]]);
  });
});

describe("a query-filled table with a row filter and a mask", () => {
  const expected = strikesByState();
  const sql = `SELECT state_name, strike_count, repair_cost FROM ${byStateTable} ORDER BY state_name`;

  it("holds the unmasked totals for carol", async () => {
    const rows = await rowsAs("carol@example.com", sql);

    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const totals = expected.get(String(row.state_name));
      expect(Number(row.strike_count)).toBe(totals?.strikes);
      expect(Number(row.repair_cost)).toBe(totals?.repairCost);
    }
  });

  it.each([
    ["alice@example.com", westStates],
    ["erin@example.com", westStates],
    ["bob@example.com", northeastStates],
  ])(
    "shows %s the states of the region, costs masked",
    async (user, states) => {
      const rows = await rowsAs(user, sql);
      const expectedStates = [...expected.keys()]
        .filter((state) => states.has(state))
        .sort();

      expect(expectedStates.length).toBeGreaterThan(2);
      expect(rows.map((row) => row.state_name)).toEqual(expectedStates);
      for (const row of rows) {
        expect(Number(row.strike_count)).toBe(
          expected.get(String(row.state_name))?.strikes,
        );
        expect(row.repair_cost).toBeNull();
      }
    },
  );
});
