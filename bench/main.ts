/**
 * Runs the benchmarks named on the command line (all when none are named) and prints
 * their results as Markdown, ready to paste into docs/benchmarks.md. Each benchmark is a
 * module in this folder named `<name>.bench.ts` that exports `run(): Promise<string>`.
 */
import { readdir } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";

interface BenchmarkModule {
  run(): Promise<string>;
}

const folder = new URL(".", import.meta.url);
const files = (await readdir(folder))
  .filter((file) => file.endsWith(".bench.ts"))
  .sort();
const requested = process.argv.slice(2);
const selected =
  requested.length === 0
    ? files
    : files.filter((file) => requested.includes(file.replace(".bench.ts", "")));

if (selected.length === 0) {
  process.stderr.write(
    `No benchmark matches ${requested.join(", ")}. Available: ${files.join(", ")}\n`,
  );
  process.exit(1);
}

process.stdout.write(
  `Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}\n\n`,
);
for (const file of selected) {
  const module = (await import(new URL(file, folder).href)) as BenchmarkModule;
  process.stdout.write(`${await module.run()}\n\n`);
}
