/**
 * Measures the local workspace's start-up and query speed. It times `npm start` until it
 * prints that it is ready, without a warehouse snapshot (cold) and with one (warm), and
 * queries under row-level security and column masks. It also loads the 3-million-row
 * flights-3m.parquet table and reports its time, peak memory and query times.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WarehouseLoadReport } from "./warehouse-load.js";

const repositoryRoot = join(import.meta.dirname, "..");
const coldStarts = 3;
const warmStarts = 5;
const demoQueryRuns = 200;
const largeQueryRuns = 5;
/** Maximum wait for one start before the benchmark gives up, in milliseconds. */
const startTimeoutMilliseconds = 300_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((first, second) => first - second);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function seconds(milliseconds: number): string {
  return (milliseconds / 1000).toFixed(2);
}

/** Stops a child started with `detached: true` and everything it started. */
function stopGroup(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) {
    process.kill(-child.pid, "SIGTERM");
  }
}

/**
 * Runs `npm start` on free ports with `dataDirectory` and returns the milliseconds until
 * it prints "Press Ctrl+C", then stops it.
 */
async function timeStart(dataDirectory: string): Promise<number> {
  const startedAt = performance.now();
  const child = spawn(
    "npm",
    [
      "start",
      "--",
      "--port",
      "0",
      "--workspace-port",
      "0",
      "--front-door-port",
      "0",
      "--data-dir",
      dataDirectory,
    ],
    {
      cwd: repositoryRoot,
      detached: true,
      env: { ...process.env, LOCAL_WORKSPACE_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  try {
    return await new Promise<number>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `npm start was not ready after ${startTimeoutMilliseconds} ms:\n${output}`,
            ),
          ),
        startTimeoutMilliseconds,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Press Ctrl+C")) {
          clearTimeout(timer);
          resolve(performance.now() - startedAt);
        }
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with code ${code}:\n${output}`));
      });
    });
  } finally {
    stopGroup(child);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Runs bench/warehouse-load.ts in a child process and returns its report. */
async function loadWarehouse(
  definition: string,
  dataDirectory: string,
  flightsTable: string,
  runs: number,
): Promise<WarehouseLoadReport> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repositoryRoot, "bench", "warehouse-load.ts"),
      join(repositoryRoot, "examples", definition),
      dataDirectory,
      flightsTable,
      String(runs),
    ],
    { cwd: repositoryRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) {
    throw new Error(`warehouse-load.ts exited with code ${code}: ${output}`);
  }
  return JSON.parse(output.trim().split("\n").at(-1) ?? "{}");
}

async function measureStarts(): Promise<string[]> {
  const cold: number[] = [];
  for (let run = 0; run < coldStarts; run += 1) {
    const folder = await mkdtemp(join(tmpdir(), "bench-cold-"));
    cold.push(await timeStart(folder));
    await rm(folder, { recursive: true, force: true });
  }

  const folder = await mkdtemp(join(tmpdir(), "bench-warm-"));
  await timeStart(folder);
  const warm: number[] = [];
  for (let run = 0; run < warmStarts; run += 1) {
    warm.push(await timeStart(folder));
  }
  await rm(folder, { recursive: true, force: true });

  return [
    "| `npm start` until ready | median | runs (s) |",
    "| --- | --- | --- |",
    `| cold: no snapshot, so initdb and loading the demo tables | ${seconds(median(cold))} s | ${cold.map(seconds).join(", ")} |`,
    `| warm: the snapshot in the data directory | ${seconds(median(warm))} s | ${warm.map(seconds).join(", ")} |`,
    "",
    `Cold start / warm start: ${(median(cold) / median(warm)).toFixed(1)}×.`,
  ];
}

function queryTable(report: WarehouseLoadReport, runs: number): string[] {
  return [
    `| query (${runs} runs each) | median |`,
    "| --- | --- |",
    ...Object.entries(report.queryMedians).map(
      ([label, milliseconds]) => `| ${label} | ${milliseconds.toFixed(1)} ms |`,
    ),
  ];
}

async function measureLargeTable(): Promise<string[]> {
  const folder = await mkdtemp(join(tmpdir(), "bench-3m-"));
  try {
    const flightsTable = "samples.aviation.flights_3m";
    const definition = "local-workspace-flights-3m.yaml";
    const built = await loadWarehouse(
      definition,
      folder,
      flightsTable,
      largeQueryRuns,
    );
    const loaded = await loadWarehouse(
      definition,
      folder,
      flightsTable,
      largeQueryRuns,
    );
    return [
      `| ${built.rows.toLocaleString("en-US")} rows | start | peak memory (RSS) |`,
      "| --- | --- | --- |",
      `| built from the Parquet file, snapshot written | ${seconds(built.startMilliseconds)} s | ${Math.round(built.peakMegabytes)} MB |`,
      `| loaded from the snapshot | ${seconds(loaded.startMilliseconds)} s | ${Math.round(loaded.peakMegabytes)} MB |`,
      "",
      ...queryTable(loaded, largeQueryRuns),
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "bench-demo-"));
  let demo: WarehouseLoadReport;
  try {
    demo = await loadWarehouse(
      "local-workspace.yaml",
      folder,
      "samples.aviation.flights",
      demoQueryRuns,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }

  return [
    "## Local workspace start-up and queries",
    "",
    ...(await measureStarts()),
    "",
    "Queries on the demo tables, in process on `PgliteWarehouse` (no HTTP):",
    "",
    ...queryTable(demo, demoQueryRuns),
    "",
    "`examples/local-workspace-flights-3m.yaml` (the demo plus flights-3m.parquet):",
    "",
    ...(await measureLargeTable()),
  ].join("\n");
}
