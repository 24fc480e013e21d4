/**
 * A small flights workspace and an in-memory warehouse for Genie unit tests. The
 * integration tests use the real PGlite warehouse and the demo definition instead.
 */
import type {
  GenieExampleQuery,
  GenieSpaceDefinition,
  QueryParameter,
  QueryResult,
  Warehouse,
  WorkspaceDefinition,
} from "../contracts.js";
import type { GeniePrincipal } from "./genie-service.js";
import type { AirportDirectory } from "./parameter-values.js";

export const testExamples: GenieExampleQuery[] = [
  {
    question: "What was the average departure delay in January 2001?",
    sql: "SELECT ROUND(AVG(delay), 2) AS avg_departure_delay_minutes, COUNT(*) AS flight_count FROM main.demo.flights WHERE month(date) = :month",
    description: "Average departure delay and number of flights in one month.",
    parameters: [{ name: "month", kind: "month" }],
  },
  {
    question: "What is the average departure delay overall?",
    sql: "SELECT ROUND(AVG(delay), 2) AS avg_departure_delay_minutes FROM main.demo.flights",
    description: "Average departure delay over all visible flights.",
  },
  {
    question: "How many flights departed from SFO?",
    sql: "SELECT COUNT(*) AS flight_count FROM main.demo.flights WHERE origin = :airport",
    description: "Number of flights leaving one airport.",
    parameters: [{ name: "airport", kind: "airport" }],
  },
  {
    question: "How many flights departed from SFO in March?",
    sql: "SELECT COUNT(*) AS flight_count FROM main.demo.flights WHERE origin = :airport AND month(date) = :month",
    description: "Number of flights leaving one airport in one month.",
    parameters: [
      { name: "airport", kind: "airport" },
      { name: "month", kind: "month" },
    ],
  },
  {
    question: "Which airports in CA had the most flights?",
    sql: "SELECT a.iata, COUNT(*) AS flight_count FROM main.demo.flights f JOIN main.demo.airports a ON a.iata = f.origin WHERE a.state = :state GROUP BY a.iata ORDER BY flight_count DESC",
    description: "Airports of one state ranked by departures.",
    parameters: [{ name: "state", kind: "state" }],
  },
  {
    question: "What are the top 5 routes by number of flights?",
    sql: "SELECT origin, destination, COUNT(*) AS flight_count FROM main.demo.flights GROUP BY origin, destination ORDER BY flight_count DESC LIMIT :limit",
    description: "Busiest routes.",
    parameters: [{ name: "limit", kind: "integer" }],
  },
  {
    question: "How many flights went from SFO to LAX?",
    sql: "SELECT COUNT(*) AS flight_count FROM main.demo.flights WHERE origin = :origin AND destination = :destination",
    description: "Number of flights on one route.",
    parameters: [
      { name: "origin", kind: "airport" },
      { name: "destination", kind: "airport" },
    ],
  },
];

export const testAirports: AirportDirectory = {
  codes: new Set(["SFO", "LAX", "ORD", "MDW", "JFK", "SAN", "DEN", "DAY"]),
  codesByCity: new Map([
    ["san francisco", "SFO"],
    ["los angeles", "LAX"],
    ["chicago", "ORD"],
    ["new york", "JFK"],
    ["san diego", "SAN"],
    ["denver", "DEN"],
    ["dayton", "DAY"],
    ["many", "MNY"],
  ]),
};

export const flightsSpace: GenieSpaceDefinition = {
  id: "01f0flightsspace00000000000000aa",
  title: "Flights",
  description: "US domestic flights, January to March 2001.",
  warehouseId: "local-warehouse",
  tables: ["main.demo.flights", "main.demo.airports"],
  instructions: "Delays are in minutes.",
  sampleQuestions: [
    "What was the average departure delay in February 2001?",
    "How many flights departed from SFO?",
  ],
  exampleQueries: testExamples,
  permissions: [
    { principal: "flights-readers", level: "CAN_RUN" },
    { principal: "viewer@example.com", level: "CAN_VIEW" },
  ],
};

export const testDefinition: WorkspaceDefinition = {
  workspaceId: "1234567890",
  users: [],
  groups: [],
  servicePrincipals: [],
  tables: [
    {
      name: "main.demo.airports",
      columns: [
        { name: "iata", type: "STRING" },
        { name: "name", type: "STRING" },
        { name: "city", type: "STRING" },
        { name: "state", type: "STRING" },
      ],
      source: { rows: [] },
    },
  ],
  grants: [],
  rowFilters: [],
  genieSpaces: [flightsSpace],
  servingEndpoints: [],
  warehouses: [],
};

export const alice: GeniePrincipal = {
  id: "1001",
  userName: "alice@example.com",
  groups: ["flights-readers", "west"],
};

export const bob: GeniePrincipal = {
  id: "1002",
  userName: "bob@example.com",
  groups: ["flights-readers", "northeast"],
};

export const viewer: GeniePrincipal = {
  id: "1003",
  userName: "viewer@example.com",
  groups: [],
};

export interface RecordedQuery {
  principalName: string;
  sql: string;
  parameters: QueryParameter[] | undefined;
}

/**
 * An in-memory `Warehouse`: `answer` decides each user query's result or throws,
 * and administrator queries return the rows of `airportRows`.
 */
export class FakeWarehouse implements Warehouse {
  readonly queries: RecordedQuery[] = [];
  readonly administratorQueries: string[] = [];
  answer: (query: RecordedQuery) => Promise<QueryResult> | QueryResult;
  airportRows: (string | null)[][];

  constructor(
    answer: (query: RecordedQuery) => Promise<QueryResult> | QueryResult,
    airportRows: (string | null)[][] = [
      ["SFO", "San Francisco", "San Francisco International"],
      ["ORD", "Chicago", "Chicago O'Hare International"],
      ["MDW", "Chicago", "Chicago Midway"],
      ["LAX", "Los Angeles", "Los Angeles International"],
    ],
  ) {
    this.answer = answer;
    this.airportRows = airportRows;
  }

  async query(
    principalName: string,
    sql: string,
    parameters?: QueryParameter[],
  ): Promise<QueryResult> {
    const recorded = { principalName, sql, parameters };
    this.queries.push(recorded);
    return this.answer(recorded);
  }

  async queryAsAdministrator(sql: string): Promise<QueryResult> {
    this.administratorQueries.push(sql);
    return {
      columns: [
        { name: "iata", typeName: "STRING", typeText: "STRING" },
        { name: "city", typeName: "STRING", typeText: "STRING" },
        { name: "name", typeName: "STRING", typeText: "STRING" },
      ],
      rows: this.airportRows,
    };
  }

  async close(): Promise<void> {}
}

/** Builds a one-row result with the columns of the monthly delay example. */
export function monthlyDelayResult(
  averageDelay: string,
  flightCount: string,
): QueryResult {
  return {
    columns: [
      {
        name: "avg_departure_delay_minutes",
        typeName: "DECIMAL",
        typeText: "DECIMAL(10,2)",
      },
      { name: "flight_count", typeName: "LONG", typeText: "BIGINT" },
    ],
    rows: [[averageDelay, flightCount]],
  };
}
