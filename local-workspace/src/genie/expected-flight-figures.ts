/**
 * Flight figures computed straight from the vega-datasets source files, so that
 * integration tests check the warehouse's answers against data the workspace
 * definition did not touch.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";

/** US Census Bureau regions and their states (District of Columbia in the South). */
export const statesByCensusRegion: Record<string, readonly string[]> = {
  West: "WA OR CA NV ID MT WY UT CO AZ NM AK HI".split(" "),
  Midwest: "ND SD NE KS MN IA MO WI IL IN MI OH".split(" "),
  South: "TX OK AR LA MS AL TN KY GA FL SC NC VA WV MD DE DC".split(" "),
  Northeast: "PA NY NJ CT RI MA VT NH ME".split(" "),
};

interface SourceFlight {
  date: string;
  delay: number;
  origin: string;
}

/**
 * Finds the package's data folder. The package's `exports` hide `package.json`, so
 * the search starts from the entry point and walks up.
 */
function vegaDataFolder(): string {
  const require = createRequire(import.meta.url);
  let folder = dirname(require.resolve("vega-datasets"));
  while (!existsSync(join(folder, "data", "flights-20k.json"))) {
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(
        "The vega-datasets data folder was not found. Run npm install.",
      );
    }
    folder = parent;
  }
  return join(folder, "data");
}

let loaded:
  | { flights: SourceFlight[]; stateByCode: Map<string, string> }
  | undefined;

function loadSourceData() {
  if (!loaded) {
    const folder = vegaDataFolder();
    const flights = JSON.parse(
      readFileSync(join(folder, "flights-20k.json"), "utf8"),
    ) as SourceFlight[];
    const airports = parse(readFileSync(join(folder, "airports.csv"), "utf8"), {
      columns: true,
    }) as { iata: string; state: string }[];
    loaded = {
      flights,
      stateByCode: new Map(
        airports.map((airport) => [airport.iata, airport.state]),
      ),
    };
  }
  return loaded;
}

export interface MonthFigures {
  flightCount: number;
  delaySum: number;
  /** The average delay rounded half away from zero to two decimals, as text. */
  roundedAverageDelay: string;
}

/**
 * Counts the flights of `month` (1-12) whose origin state is in one of `regions`,
 * or all flights when `regions` is "all", and averages their departure delay.
 */
export function monthFigures(
  month: number,
  regions: readonly string[] | "all",
): MonthFigures {
  const { flights, stateByCode } = loadSourceData();
  const states =
    regions === "all"
      ? undefined
      : new Set(
          regions.flatMap((region) => statesByCensusRegion[region] ?? []),
        );

  let flightCount = 0;
  let delaySum = 0;
  for (const flight of flights) {
    const flightMonth = Number(flight.date.slice(5, 7));
    const state = stateByCode.get(flight.origin);
    const visible = !states || (state !== undefined && states.has(state));
    if (flightMonth === month && visible) {
      flightCount += 1;
      delaySum += flight.delay;
    }
  }
  return {
    flightCount,
    delaySum,
    roundedAverageDelay: roundQuotient(delaySum, flightCount),
  };
}

/**
 * Divides two integers and rounds to two decimals, half away from zero, with
 * integer arithmetic so no binary rounding error can move a half.
 */
export function roundQuotient(numerator: number, denominator: number): string {
  const sign = numerator < 0 ? "-" : "";
  const hundredths =
    (BigInt(Math.abs(numerator)) * 200n + BigInt(denominator)) /
    (2n * BigInt(denominator));
  const whole = hundredths / 100n;
  const fraction = (hundredths % 100n).toString().padStart(2, "0");
  return `${sign}${whole}.${fraction}`;
}

/**
 * Counts the flights leaving `origin` (an IATA code) in `month` (1-12) and averages
 * their departure delay. The row filter shows an airport's flights whole to anyone
 * whose regions include its state, so no region argument is needed.
 */
export function originMonthFigures(
  origin: string,
  month: number,
): MonthFigures {
  const { flights } = loadSourceData();
  let flightCount = 0;
  let delaySum = 0;
  for (const flight of flights) {
    if (flight.origin === origin && Number(flight.date.slice(5, 7)) === month) {
      flightCount += 1;
      delaySum += flight.delay;
    }
  }
  return {
    flightCount,
    delaySum,
    roundedAverageDelay: roundQuotient(delaySum, flightCount),
  };
}
