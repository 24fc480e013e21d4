import { readFileSync } from "node:fs";
import { join } from "node:path";

const folder = join(import.meta.dirname, "..", "fixtures", "databricks");

/** Reads a recorded Databricks response from test/fixtures/databricks. */
export function loadFixture<T extends object = Record<string, unknown>>(
  name: string,
): T {
  return JSON.parse(readFileSync(join(folder, `${name}.json`), "utf8")) as T;
}
