/**
 * The short text Genie attaches next to a query: facts read off the result, with
 * every value exactly as the warehouse returned it.
 */
import type { QueryResult } from "../contracts.js";
import { maximumResultRows } from "./statement-response.js";

/** Writes a factual summary of `result`, which may already be cut to the row cap. */
export function summarizeResult(
  result: QueryResult,
  truncated: boolean,
): string {
  const rowCount = result.rows.length;
  const firstRow = result.rows[0];
  if (rowCount === 0 || !firstRow) {
    return "The query returned no rows.";
  }

  const values = describeRow(result, firstRow);
  if (rowCount === 1) {
    return `The query returned one row: ${values}.`;
  }

  const sentences = [`The query returned ${rowCount} rows.`];
  if (truncated) {
    sentences.push(
      `The result was cut to the first ${maximumResultRows.toLocaleString("en-US")} rows.`,
    );
  }
  sentences.push(`The first row has ${values}.`);
  return sentences.join(" ");
}

function describeRow(result: QueryResult, row: (string | null)[]): string {
  const parts = result.columns.map((column, index) => {
    const value = row[index];
    return `${column.name} = ${value ?? "NULL"}`;
  });
  if (parts.length <= 1) {
    return parts.join("");
  }
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}
