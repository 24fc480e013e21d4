import { z } from "zod";
import { lowerCaseIdentifier, tableName } from "./name-schemas.js";

const columnType = z.enum([
  "STRING",
  "INT",
  "LONG",
  "DOUBLE",
  "DECIMAL",
  "BOOLEAN",
  "DATE",
  "TIMESTAMP",
]);

const fileFormat = z
  .enum(["json", "csv", "parquet"])
  .describe(
    "json: an array of objects; csv: a header line, then one record per line; parquet: any Parquet file",
  );

const tableSource = z.union([
  z.strictObject({
    format: fileFormat,
    package: z
      .string()
      .min(1)
      .describe("npm package that contains the file, such as vega-datasets"),
    path: z.string().min(1).describe("path of the file inside the package"),
  }),
  z.strictObject({
    format: fileFormat,
    path: z
      .string()
      .min(1)
      .describe("path of the file, relative to the definition file's folder"),
  }),
  z.strictObject({
    rows: z
      .array(
        z.record(
          z.string(),
          z.union([z.string(), z.number(), z.boolean(), z.null()]),
        ),
      )
      .describe("rows written inline, keyed by column name or source field"),
  }),
  z.strictObject({
    sql: z
      .string()
      .min(1)
      .describe(
        "a query over tables listed before this one, run with administrator rights when the warehouse is built; its columns fill the table's columns in order",
      ),
  }),
]);

export const table = z.strictObject({
  name: tableName,
  comment: z.string().optional(),
  columns: z
    .array(
      z.strictObject({
        name: lowerCaseIdentifier,
        type: columnType,
        sourceField: z
          .string()
          .min(1)
          .optional()
          .describe(
            "field or column name in the source file, when it differs from name",
          ),
        comment: z.string().optional(),
      }),
    )
    .min(1),
  source: tableSource,
});

export const catalog = z.strictObject({
  name: lowerCaseIdentifier,
  comment: z.string().optional(),
  schemas: z.array(
    z.strictObject({
      name: lowerCaseIdentifier,
      comment: z.string().optional(),
    }),
  ),
});
