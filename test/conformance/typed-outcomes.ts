/**
 * Descriptions of typed outcomes that leave out values, so that behalf's client code can
 * be compared across the local workspace and the recorded responses.
 */
import { expect } from "vitest";
import type { GenieAnswer } from "../../src/databricks/genie-answer.js";
import type { TypedResult } from "../../src/databricks/statement-result.js";
import type { StatementRun } from "../../src/databricks/statement-run.js";

/**
 * Replaces a token with a placeholder, keeping the scheme, so two sources compare
 * equal.
 */
export function describeAuthorization(header: string): string {
  return header.replace(/^Bearer \S+$/, "Bearer <token>");
}

/**
 * Describes a value by the JSON types of its fields, one level deep, or by its own
 * type.
 */
export function describeShape(value: unknown): unknown {
  if (typeof value !== "object" || value === null) {
    return typeof value;
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, typeof field]),
  );
}

export interface ResultDescription {
  columns: { name: string; type: string }[];
  /** The JavaScript type each column type's cells convert to, from the first row. */
  cellTypes: Record<string, string>;
}

export interface AnswerDescription {
  summary: {
    status: string;
    hasText: boolean;
    hasQuery: boolean;
    queryRerun: boolean;
  };
  result: ResultDescription;
}

export function describeResult(
  result: TypedResult | undefined,
): ResultDescription {
  const columns = result?.columns ?? [];
  const firstRow = result?.rows[0] ?? [];
  const cellTypes: Record<string, string> = {};
  columns.forEach((column, index) => {
    const cell = firstRow[index];
    if (cell !== null && cell !== undefined) {
      cellTypes[column.type] = typeof cell;
    }
  });
  return { columns, cellTypes };
}

export function describeAnswer(answer: GenieAnswer): AnswerDescription {
  return {
    summary: {
      status: answer.status,
      hasText: answer.texts.length > 0,
      hasQuery: (answer.query?.sql.length ?? 0) > 0,
      queryRerun: answer.queryRerun,
    },
    result: describeResult(answer.result),
  };
}

/**
 * Columns of the same name must have the same type, and cells of a type both results
 * contain must convert to the same JavaScript type. The two results come from different
 * queries, so their column lists differ, but they must share at least one column.
 */
export function expectSameColumnTypes(
  local: ResultDescription,
  recordedResult: ResultDescription,
): void {
  const shared = local.columns.filter((column) =>
    recordedResult.columns.some((other) => other.name === column.name),
  );
  expect(shared.length, "columns both results contain").toBeGreaterThan(0);
  for (const column of shared) {
    expect(
      recordedResult.columns.find((other) => other.name === column.name)?.type,
      `type of ${column.name}`,
    ).toBe(column.type);
  }
  for (const [type, cellType] of Object.entries(local.cellTypes)) {
    const recordedType = recordedResult.cellTypes[type];
    if (recordedType !== undefined) {
      expect(cellType, `cells of type ${type}`).toBe(recordedType);
    }
  }
}

export function describeRun(run: StatementRun) {
  return {
    columns: run.result.columns,
    everyRowRead: run.result.rows.length === run.result.rowCount,
    truncated: run.result.truncated,
    cellTypes: describeResult(run.result).cellTypes,
  };
}

export function describeGeneration(result: {
  finishReason: string;
  text: string;
  toolCalls: { toolName: string; input: unknown }[];
}) {
  return {
    finishReason: result.finishReason,
    hasText: result.text.length > 0,
    toolCalls: result.toolCalls.map((toolCall) => ({
      toolName: toolCall.toolName,
      inputFields: Object.keys(toolCall.input as object).sort(),
    })),
  };
}
