import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { describe, expect, it } from "vitest";
import type { TableDefinition } from "../contracts.js";
import { findPackageRoot } from "../definition/source-files.js";
import { openTableRows, type TableRow } from "./table-sources.js";
import { encodeCopyText } from "./warehouse-build.js";

const packageFolder = findPackageRoot("vega-datasets", import.meta.dirname);

const flights3m: TableDefinition = {
  name: "samples.aviation.flights_3m",
  columns: [
    { name: "departure", type: "TIMESTAMP", sourceField: "date" },
    { name: "delay", type: "INT" },
    { name: "origin", type: "STRING" },
  ],
  source: {
    format: "parquet",
    package: "vega-datasets",
    path: "data/flights-3m.parquet",
  },
};

async function firstBatch(table: TableDefinition): Promise<TableRow[]> {
  const batches = await openTableRows(table, packageFolder);
  if (batches === undefined) {
    throw new Error(`${table.name} has no row batches`);
  }
  for await (const batch of batches) {
    return batch;
  }
  return [];
}

describe("Parquet sources", () => {
  it("read one row group per batch with the table's columns", async () => {
    const metadata = await parquetMetadataAsync(
      await asyncBufferFromFile(
        join(packageFolder, "data", "flights-3m.parquet"),
      ),
    );
    const firstGroupRows = Number(metadata.row_groups[0]?.num_rows);

    const rows = await firstBatch(flights3m);

    expect(Number(metadata.num_rows)).toBe(3_000_000);
    expect(rows).toHaveLength(firstGroupRows);
    for (const row of rows.slice(0, 1000)) {
      expect(Object.keys(row)).toEqual(["departure", "delay", "origin"]);
      expect(row.departure).toMatch(/^2001-\d\d-\d\dT\d\d:\d\d:00\.000$/);
      expect(row.delay).toMatch(/^-?\d+$/);
      expect(row.origin).toMatch(/^[A-Z0-9]{3}$/);
    }
  });

  it("name the file's columns when a field is missing", async () => {
    const table = structuredClone(flights3m);
    table.columns.push({ name: "carrier", type: "STRING" });

    const error = await firstBatch(table).catch((caught: unknown) => caught);

    expect((error as Error).message).toMatch(
      /flights-3m\.parquet has no column carrier, so table samples\.aviation\.flights_3m cannot be loaded from it\. Its columns are: date, delay, distance, origin, destination\./,
    );
  });
});

describe("inline rows", () => {
  it("keys rows by column and turns empty values into NULL", async () => {
    const rows = await firstBatch({
      name: "main.demo.items",
      columns: [
        { name: "id", type: "INT", sourceField: "Item Id" },
        { name: "label", type: "STRING" },
        { name: "day", type: "DATE" },
      ],
      source: {
        rows: [
          { "Item Id": 1, label: "", day: "2001/2/3" },
          { "Item Id": 2, label: "b" },
        ],
      },
    });

    expect(rows).toEqual([
      { id: 1, label: null, day: "2001-2-3" },
      { id: 2, label: "b", day: null },
    ]);
  });
});

describe("encodeCopyText", () => {
  it("escapes separators and writes NULL as \\N", () => {
    const text = encodeCopyText(
      [
        { name: "tab\there", note: "line\nbreak\\slash", flag: true },
        { name: null, note: "carriage\rreturn", flag: false },
      ],
      ["name", "note", "flag"],
    );

    expect(text).toBe(
      "tab\\there\tline\\nbreak\\\\slash\ttrue\n\\N\tcarriage\\rreturn\tfalse\n",
    );
  });

  it("writes nothing for no rows", () => {
    expect(encodeCopyText([], ["id"])).toBe("");
  });
});
