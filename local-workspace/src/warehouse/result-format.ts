import type { DatabricksTypeName, ResultColumn } from "../contracts.js";

/** Postgres type OIDs (pg_type.oid) the warehouse reports with a specific Databricks type. */
const databricksTypes: ReadonlyMap<
  number,
  { typeName: DatabricksTypeName; typeText: string }
> = new Map([
  [16, { typeName: "BOOLEAN", typeText: "BOOLEAN" }],
  [17, { typeName: "BINARY", typeText: "BINARY" }],
  [20, { typeName: "LONG", typeText: "BIGINT" }],
  [21, { typeName: "SHORT", typeText: "SMALLINT" }],
  [23, { typeName: "INT", typeText: "INT" }],
  [700, { typeName: "FLOAT", typeText: "FLOAT" }],
  [701, { typeName: "DOUBLE", typeText: "DOUBLE" }],
  [1082, { typeName: "DATE", typeText: "DATE" }],
  [1114, { typeName: "TIMESTAMP", typeText: "TIMESTAMP" }],
  [1184, { typeName: "TIMESTAMP", typeText: "TIMESTAMP" }],
]);

const numericOid = 1700;
const booleanOid = 16;
const byteaOid = 17;
const timestampOids = new Set([1114, 1184]);

/**
 * Returns the Databricks column of a Postgres result field. Types without a Databricks
 * counterpart here (text, json, interval, arrays) are reported as STRING.
 */
export function describeColumn(
  field: { name: string; dataTypeID: number },
  values: readonly (string | null)[],
): ResultColumn {
  if (field.dataTypeID === numericOid) {
    // PGlite does not pass on the column's type modifier, so the scale shown is the
    // largest one among the values, with Databricks' maximum precision of 38.
    return {
      name: field.name,
      typeName: "DECIMAL",
      typeText: `DECIMAL(38,${maximumScale(values)})`,
    };
  }

  const type = databricksTypes.get(field.dataTypeID) ?? {
    typeName: "STRING",
    typeText: "STRING",
  };
  return { name: field.name, ...type };
}

function maximumScale(values: readonly (string | null)[]): number {
  let scale = 0;
  for (const value of values) {
    const point = value?.indexOf(".") ?? -1;
    if (value !== null && value !== undefined && point !== -1) {
      scale = Math.max(scale, value.length - point - 1);
    }
  }
  return scale;
}

/**
 * Converts Postgres' text form of a value to Databricks' JSON_ARRAY form: booleans as
 * `true`/`false`, timestamps as `2001-02-03T04:05:00.000` (with `Z` for time zone
 * values, which the warehouse reads in UTC), binary as base64. Other values, such as
 * numerics, keep Postgres' text so no digits are lost.
 */
export function formatValue(
  text: string | null,
  dataTypeID: number,
): string | null {
  if (text === null) {
    return null;
  }
  if (dataTypeID === booleanOid) {
    return text === "t" ? "true" : "false";
  }
  if (timestampOids.has(dataTypeID)) {
    return formatTimestamp(text);
  }
  if (dataTypeID === byteaOid && text.startsWith("\\x")) {
    return Buffer.from(text.slice(2), "hex").toString("base64");
  }
  return text;
}

const timestampPattern =
  /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?(\+00(?::00)?)?$/;

function formatTimestamp(text: string): string {
  const match = timestampPattern.exec(text);
  if (match === null) {
    // Infinity, BC dates and offsets other than UTC keep Postgres' form.
    return text;
  }
  const [, date, time, fraction = "", utcOffset] = match;
  const fractionDigits = fraction.padEnd(3, "0");
  return `${date}T${time}.${fractionDigits}${utcOffset === undefined ? "" : "Z"}`;
}
