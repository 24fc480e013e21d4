import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";

/** One wildlife strike as birdstrikes.csv writes it, with the fields the tests use. */
export interface WildlifeStrike {
  state: string;
  phase: string;
  species: string;
  year: number;
  repairCost: number;
  otherCost: number;
  totalCost: number;
}

let cached: WildlifeStrike[] | undefined;

/** Reads vega-datasets' birdstrikes.csv, the file the demo's bird_strikes table loads. */
export function wildlifeStrikes(): WildlifeStrike[] {
  if (cached !== undefined) {
    return cached;
  }
  let folder = dirname(createRequire(import.meta.url).resolve("vega-datasets"));
  while (!folder.endsWith("vega-datasets")) {
    folder = dirname(folder);
  }
  const records = parse(
    readFileSync(join(folder, "data", "birdstrikes.csv"), "utf8"),
    { columns: true },
  ) as Record<string, string>[];
  cached = records.map((record) => ({
    state: record["Origin State"] ?? "",
    phase: record["Phase of flight"] ?? "",
    species: record["Wildlife Species"] ?? "",
    year: Number(record["Flight Date"]?.slice(0, 4)),
    repairCost: Number(record["Cost Repair"]),
    otherCost: Number(record["Cost Other"]),
    totalCost: Number(record["Cost Total $"]),
  }));
  return cached;
}

/** Number of strikes and summed repair cost per origin state, keyed by state name. */
export function strikesByState(): Map<
  string,
  { strikes: number; repairCost: number }
> {
  const byState = new Map<string, { strikes: number; repairCost: number }>();
  for (const strike of wildlifeStrikes()) {
    const totals = byState.get(strike.state) ?? { strikes: 0, repairCost: 0 };
    totals.strikes += 1;
    totals.repairCost += strike.repairCost;
    byState.set(strike.state, totals);
  }
  return byState;
}
