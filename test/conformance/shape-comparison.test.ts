import { describe, expect, it } from "vitest";
import { compareShapes, jsonType, shapeProblems } from "./shape-comparison.js";

const statusRule = {
  path: /(^|\.)status$/,
  name: "message status",
  allowed: ["SUBMITTED", "COMPLETED"],
};

describe("compareShapes", () => {
  it("accepts the same shape with other values", () => {
    const report = compareShapes(
      { id: "a", count: 1, done: true, items: [{ name: "x" }], note: null },
      { id: "b", count: 7, done: false, items: [{ name: "y" }], note: null },
    );

    expect(shapeProblems(report)).toEqual([]);
    expect(report.additions).toEqual([]);
    expect(report.notCompared).toEqual([]);
  });

  it("reports missing fields by path", () => {
    const report = compareShapes(
      { manifest: { schema: { columns: [{ name: "a", type_name: "INT" }] } } },
      { manifest: { schema: { columns: [{ name: "a" }] } } },
    );
    expect(report.missing).toEqual(["manifest.schema.columns[].type_name"]);
  });

  it("reports a different JSON type", () => {
    const report = compareShapes(
      { user_id: 4215778821394022, title: "t" },
      { user_id: "4215778821394022", title: null },
    );
    expect(report.typeMismatches).toEqual([
      "user_id: reference number, actual string",
      "title: reference string, actual null",
    ]);
  });

  it("compares arrays by their first element", () => {
    const report = compareShapes(
      { rows: [["1", "2"]], chunks: [{ row_count: 1 }] },
      { rows: [[3], ["4"]], chunks: [] },
    );
    expect(report.typeMismatches).toEqual([
      "rows[][]: reference string, actual number",
    ]);
    expect(report.notCompared).toEqual([
      "chunks[] (the actual array is empty)",
    ]);
  });

  it("lists additions without failing", () => {
    const report = compareShapes(
      { id: "a" },
      { id: "b", parameters: [], nested: { field: 1 } },
    );
    expect(shapeProblems(report)).toEqual([]);
    expect(report.additions).toEqual(["parameters", "nested"]);
  });

  it("checks enum values in every array element", () => {
    const report = compareShapes(
      { messages: [{ status: "SUBMITTED" }] },
      { messages: [{ status: "COMPLETED" }, { status: "IN_PROGRESS" }] },
      { enums: [statusRule] },
    );
    expect(report.enumViolations).toEqual([
      'messages[].status: "IN_PROGRESS" is not a message status the reference allows',
    ]);
  });

  it("leaves values of other fields unchecked", () => {
    const report = compareShapes(
      { state: { status: "x" } },
      { state: { status: { code: 1 } }, status_text: "anything" },
      { enums: [statusRule] },
    );
    expect(report.enumViolations).toEqual([]);
    expect(report.typeMismatches).toEqual([
      "state.status: reference string, actual object",
    ]);
  });

  it("compares union arrays variant by variant", () => {
    const variant = (element: unknown) =>
      Object.keys(element as object).find((key) => key !== "attachment_id") ??
      "none";
    const report = compareShapes(
      {
        attachments: [
          { attachment_id: "1", text: { content: "a" } },
          {
            attachment_id: "2",
            query: { query: "SELECT 1", statement_id: "s" },
          },
          { attachment_id: "3", suggested_questions: { questions: ["q"] } },
        ],
      },
      {
        attachments: [
          { attachment_id: "4", query: { query: "SELECT 2" } },
          { attachment_id: "5", text: { content: "b" } },
          { attachment_id: "6", viz: { title: "v" } },
        ],
      },
      { unions: { attachments: variant } },
    );

    expect(report.missing).toEqual(["attachments[].query.statement_id"]);
    expect(report.notCompared).toEqual([
      "attachments[] variant suggested_questions (not in the actual array)",
    ]);
    expect(report.additions).toEqual(["attachments[] variant viz"]);
  });
});

describe("jsonType", () => {
  it("names the JSON types", () => {
    expect([null, true, 1, "s", [], {}].map(jsonType)).toEqual([
      "null",
      "boolean",
      "number",
      "string",
      "array",
      "object",
    ]);
  });
});
