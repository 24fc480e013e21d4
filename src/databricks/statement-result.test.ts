import { describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  convertCell,
  type StatementResponse,
  typeStatementResult,
} from "./statement-result.js";

describe("typeStatementResult", () => {
  const { statement_response } = loadFixture<{
    statement_response: StatementResponse;
  }>("genie-query-result");

  it("types numbers, keeps strings and nulls", () => {
    const result = typeStatementResult(statement_response);
    expect(result.columns.map((column) => column.type)).toEqual([
      "DECIMAL",
      "LONG",
      "DOUBLE",
      "STRING",
    ]);
    expect(result.rows[0]).toEqual([8.27, 5964, 333_600_000, "ORD"]);
    expect(result.rows[1]).toEqual([null, 0, 0, null]);
  });

  it("reports the row count and no truncation", () => {
    const result = typeStatementResult(statement_response);
    expect(result.rowCount).toBe(2);
    expect(result.truncated).toBe(false);
  });

  it("flags truncation from the manifest", () => {
    const truncated = typeStatementResult({
      ...statement_response,
      manifest: {
        ...statement_response.manifest,
        total_row_count: 5001,
        truncated: true,
      },
    });
    expect(truncated.truncated).toBe(true);
    expect(truncated.rowCount).toBe(5001);
  });

  it("reports an empty result as zero rows", () => {
    const empty = typeStatementResult({
      manifest: { schema: { columns: [] }, total_row_count: 0 },
      result: {},
    });
    expect(empty.rowCount).toBe(0);
    expect(empty.rows).toEqual([]);
  });
});

describe("convertCell", () => {
  it("keeps integers beyond double precision as text", () => {
    expect(convertCell("9007199254740993", "LONG")).toBe("9007199254740993");
  });

  it("reads booleans", () => {
    expect(convertCell("true", "BOOLEAN")).toBe(true);
    expect(convertCell("false", "BOOLEAN")).toBe(false);
  });
});
