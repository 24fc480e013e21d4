/**
 * Reads the airports of a Genie space, so that a question can name an airport by
 * code ("SFO") or by city ("San Francisco"). The lookup runs as the workspace administrator because it is
 * Genie's own metadata step, not a query on the asking user's behalf.
 */
import type {
  GenieSpaceDefinition,
  TableDefinition,
  Warehouse,
} from "../contracts.js";
import { type AirportDirectory, normalizePhrase } from "./parameter-values.js";

const emptyDirectory: AirportDirectory = {
  codes: new Set(),
  codesByCity: new Map(),
};

const codeColumnNames = ["iata", "iata_code", "airport_code", "code"];

interface AirportsTable {
  name: string;
  codeColumn: string;
  cityColumn: string | undefined;
  nameColumn: string | undefined;
}

/**
 * Finds the space's airports table: one of its tables whose name contains
 * "airport" and that has an IATA code column.
 */
export function findAirportsTable(
  space: GenieSpaceDefinition,
  tables: readonly TableDefinition[],
): AirportsTable | undefined {
  for (const tableName of space.tables) {
    const table = tables.find((candidate) => candidate.name === tableName);
    const lastPart = tableName.split(".").at(-1) ?? "";
    if (!table || !lastPart.toLowerCase().includes("airport")) {
      continue;
    }
    const columnNames = table.columns.map((column) => column.name);
    const codeColumn = codeColumnNames.find((name) =>
      columnNames.includes(name),
    );
    if (codeColumn === undefined) {
      continue;
    }
    return {
      name: tableName,
      codeColumn,
      cityColumn: columnNames.includes("city") ? "city" : undefined,
      nameColumn: columnNames.includes("name") ? "name" : undefined,
    };
  }
  return undefined;
}

/** Queries the airports table and indexes it by code and by city. */
export async function loadAirportDirectory(
  space: GenieSpaceDefinition,
  tables: readonly TableDefinition[],
  warehouse: Warehouse,
): Promise<AirportDirectory> {
  const table = findAirportsTable(space, tables);
  if (!table) {
    return emptyDirectory;
  }

  const selected = [
    table.codeColumn,
    table.cityColumn ?? "NULL",
    table.nameColumn ?? "NULL",
  ];
  const result = await warehouse.queryAsAdministrator(
    `SELECT ${selected.join(", ")} FROM ${table.name}`,
  );

  const codes = new Set<string>();
  const airportsByCity = new Map<string, { code: string; name: string }[]>();
  for (const [code, city, name] of result.rows) {
    if (!code) {
      continue;
    }
    const upperCaseCode = code.toUpperCase();
    codes.add(upperCaseCode);
    if (!city) {
      continue;
    }
    const cityKey = normalizePhrase(city);
    const airports = airportsByCity.get(cityKey) ?? [];
    airports.push({ code: upperCaseCode, name: name ?? "" });
    airportsByCity.set(cityKey, airports);
  }

  const codesByCity = new Map<string, string>();
  for (const [city, airports] of airportsByCity) {
    codesByCity.set(city, pickMainAirport(airports));
  }
  return { codes, codesByCity };
}

/**
 * Picks the airport a city name most likely means: an international airport if
 * there is one (Chicago gives ORD, not Midway), else one with an all-letter code,
 * which excludes heliports and airstrips, else the first listed.
 */
function pickMainAirport(airports: { code: string; name: string }[]): string {
  const international = airports.find((airport) =>
    /\b(intl|international)\b/i.test(airport.name),
  );
  const lettered = airports.find((airport) => /^[A-Z]{3}$/.test(airport.code));
  return (international ?? lettered ?? airports[0])?.code ?? "";
}
