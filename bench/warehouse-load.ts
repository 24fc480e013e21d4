/**
 * Child process of the local workspace benchmark: builds or loads one warehouse, times a
 * few queries under row-level security, and prints one JSON object on standard output.
 * A process of its own gives each measurement a fresh heap and its own peak memory.
 *
 * Usage: node --import tsx bench/warehouse-load.ts DEFINITION DATA_DIRECTORY FLIGHTS_TABLE RUNS
 */
import { loadWorkspaceDefinition } from "../local-workspace/src/definition/load-definition.js";
import { PgliteWarehouse } from "../local-workspace/src/warehouse/pglite-warehouse.js";

export interface WarehouseLoadReport {
  origin: "loaded" | "built";
  startMilliseconds: number;
  /** Peak resident set size of the process, in megabytes. */
  peakMegabytes: number;
  rows: number;
  /** Median time of each query, in milliseconds. */
  queryMedians: Record<string, number>;
}

const [
  definitionPath = "",
  dataDirectory = "",
  flightsTable = "samples.aviation.flights",
  runsText = "20",
] = process.argv.slice(2);
const runs = Number(runsText);

const loaded = await loadWorkspaceDefinition(definitionPath);
const startedAt = performance.now();
const warehouse = await PgliteWarehouse.create(loaded.definition, {
  baseDirectory: loaded.baseDirectory,
  dataDirectory,
});
const startMilliseconds = performance.now() - startedAt;

const queries: Record<string, { principal: string; sql: string }> = {
  "February average delay as alice (row filter)": {
    principal: "alice@example.com",
    sql: `SELECT ROUND(AVG(delay), 2), COUNT(*) FROM ${flightsTable} WHERE EXTRACT(MONTH FROM date) = 2`,
  },
  "February average delay as carol (all_regions)": {
    principal: "carol@example.com",
    sql: `SELECT ROUND(AVG(delay), 2), COUNT(*) FROM ${flightsTable} WHERE EXTRACT(MONTH FROM date) = 2`,
  },
  "repair cost by state as alice (column masks)": {
    principal: "alice@example.com",
    sql: "SELECT origin_state, COUNT(*), SUM(cost_repair) FROM samples.aviation.bird_strikes GROUP BY origin_state",
  },
};

const queryMedians: Record<string, number> = {};
for (const [label, query] of Object.entries(queries)) {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const queryStartedAt = performance.now();
    await warehouse.query(query.principal, query.sql);
    times.push(performance.now() - queryStartedAt);
  }
  times.sort((first, second) => first - second);
  queryMedians[label] = times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const count = await warehouse.queryAsAdministrator(
  `SELECT COUNT(*) FROM ${flightsTable}`,
);
await warehouse.close();

const report: WarehouseLoadReport = {
  origin: warehouse.startup.origin,
  startMilliseconds,
  peakMegabytes: process.resourceUsage().maxRSS / 1024,
  rows: Number(count.rows[0]?.[0]),
  queryMedians,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
