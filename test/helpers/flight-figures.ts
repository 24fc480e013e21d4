import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";

/** US Census Bureau regions, written out here so tests do not trust the workspace definition. */
export const censusRegions: Record<string, string[]> = {
  Northeast: ["CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"],
  Midwest: [
    "IL",
    "IN",
    "MI",
    "OH",
    "WI",
    "IA",
    "KS",
    "MN",
    "MO",
    "NE",
    "ND",
    "SD",
  ],
  South: [
    "DE",
    "DC",
    "FL",
    "GA",
    "MD",
    "NC",
    "SC",
    "VA",
    "WV",
    "AL",
    "KY",
    "MS",
    "TN",
    "AR",
    "LA",
    "OK",
    "TX",
  ],
  West: [
    "AZ",
    "CO",
    "ID",
    "MT",
    "NV",
    "NM",
    "UT",
    "WY",
    "AK",
    "CA",
    "HI",
    "OR",
    "WA",
  ],
};

interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

function dataFolder(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("vega-datasets");
  let folder = dirname(entry);
  while (!folder.endsWith("vega-datasets")) {
    folder = dirname(folder);
  }
  return join(folder, "data");
}

let cached:
  | { flights: Flight[]; stateByAirport: Map<string, string> }
  | undefined;

/** Reads the source files the local workspace loads: flights-20k.json and airports.csv. */
export function sourceData(): {
  flights: Flight[];
  stateByAirport: Map<string, string>;
} {
  if (cached === undefined) {
    const folder = dataFolder();
    const flights = JSON.parse(
      readFileSync(join(folder, "flights-20k.json"), "utf8"),
    ) as Flight[];
    const airports = parse(readFileSync(join(folder, "airports.csv"), "utf8"), {
      columns: true,
    }) as {
      iata: string;
      state: string;
    }[];
    cached = {
      flights,
      stateByAirport: new Map(
        airports.map((airport) => [airport.iata, airport.state]),
      ),
    };
  }
  return cached;
}

/** Rounds sum/count to two decimals, half away from zero, exactly as Postgres ROUND(numeric, 2) does. */
export function roundedAverage(sum: number, count: number): number {
  const scaled = (BigInt(Math.abs(sum)) * 1000n) / BigInt(count);
  const rounded = (scaled + 5n) / 10n;
  return ((sum < 0 ? -1 : 1) * Number(rounded)) / 100;
}

/**
 * Average departure delay of the flights in `month` whose origin state is in one of
 * `regions` (all flights when `regions` is "all"), and the number of those flights.
 */
export function expectedAverageDelay(
  month: number,
  regions: string[] | "all",
): { average: number; flights: number } {
  const { flights, stateByAirport } = sourceData();
  const states =
    regions === "all"
      ? undefined
      : new Set(regions.flatMap((region) => censusRegions[region] ?? []));
  let sum = 0;
  let count = 0;
  for (const flight of flights) {
    if (Number(flight.date.slice(5, 7)) !== month) {
      continue;
    }
    const state = stateByAirport.get(flight.origin);
    if (states !== undefined && (state === undefined || !states.has(state))) {
      continue;
    }
    sum += flight.delay;
    count += 1;
  }
  return { average: roundedAverage(sum, count), flights: count };
}
