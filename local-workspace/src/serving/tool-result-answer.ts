/**
 * Writes offline-router's final answer from tool results. It only restates what the
 * tools returned: values are copied as given and nothing is computed or invented.
 */

/** A tool message of the conversation, with the name of the tool that produced it. */
export interface ToolResult {
  toolName: string | undefined;
  content: string;
}

/** Rows beyond this many are counted but not shown in the Markdown table. */
export const maximumTableRows = 20;

interface DataAnswer {
  status?: unknown;
  text?: unknown;
  description?: unknown;
  columns?: unknown;
  rows?: unknown;
  rowCount?: unknown;
  truncated?: unknown;
  sql?: unknown;
  suggestedQuestions?: unknown;
  clarifyingQuestions?: unknown;
  error?: unknown;
}

/** Writes one answer covering every tool result, in order. */
export function writeAnswerFromToolResults(
  results: readonly ToolResult[],
): string {
  if (results.length === 1 && results[0]) {
    return describeToolResult(results[0]);
  }
  return results
    .map(
      (result) =>
        `**${result.toolName ?? "tool"}**\n\n${describeToolResult(result)}`,
    )
    .join("\n\n");
}

function describeToolResult(result: ToolResult): string {
  const parsed = parseJson(result.content);
  if (parsed === undefined) {
    return couldNotAnswer(result.content);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return `The tool returned:\n\n${fencedJson(parsed)}`;
  }

  const answer = parsed as DataAnswer;
  if (answer.error !== undefined) {
    return couldNotAnswer(errorMessage(answer.error));
  }
  const isDataAnswer =
    typeof answer.text === "string" ||
    Array.isArray(answer.rows) ||
    Array.isArray(answer.suggestedQuestions) ||
    Array.isArray(answer.clarifyingQuestions);
  if (!isDataAnswer) {
    return `The tool returned:\n\n${fencedJson(parsed)}`;
  }
  return describeDataAnswer(answer);
}

function describeDataAnswer(answer: DataAnswer): string {
  const sections: string[] = [];
  if (typeof answer.text === "string" && answer.text.trim() !== "") {
    sections.push(answer.text.trim());
  } else if (typeof answer.description === "string") {
    sections.push(answer.description);
  }
  if (typeof answer.status === "string" && answer.status !== "COMPLETED") {
    sections.push(`The tool reported status ${answer.status}.`);
  }

  const columnNames = Array.isArray(answer.columns)
    ? answer.columns.map(columnName)
    : [];
  const rows = Array.isArray(answer.rows)
    ? answer.rows.filter((row): row is unknown[] => Array.isArray(row))
    : undefined;
  const totalRows =
    typeof answer.rowCount === "number" ? answer.rowCount : rows?.length;
  // A Genie reply without a query also has empty rows, which must not read as "no rows".
  const ranQuery = typeof answer.sql === "string" || columnNames.length > 0;

  const leadText = typeof answer.text === "string" ? answer.text : "";
  if (rows && rows.length === 1 && rows[0]) {
    // Genie's own text often states the single row already; repeating it adds nothing.
    const firstRow = rows[0];
    const stated = firstRow.every((value) =>
      leadText.includes(formatValue(value)),
    );
    if (!stated) {
      sections.push(
        `The result has one row: ${describeRow(columnNames, firstRow)}.`,
      );
    }
    if (totalRows !== undefined && totalRows > 1) {
      sections.push(rowCountSentence(1, totalRows));
    }
  } else if (rows && rows.length > 1) {
    sections.push(markdownTable(columnNames, rows.slice(0, maximumTableRows)));
    sections.push(
      rowCountSentence(Math.min(rows.length, maximumTableRows), totalRows),
    );
  } else if (rows && totalRows === 0 && ranQuery) {
    sections.push("The query returned no rows.");
  }
  if (answer.truncated === true) {
    sections.push(
      "The result was truncated, so these rows are not all the matching rows.",
    );
  }

  const clarifying = Array.isArray(answer.clarifyingQuestions)
    ? answer.clarifyingQuestions.filter(
        (question): question is string => typeof question === "string",
      )
    : [];
  if (clarifying.length > 0) {
    sections.push(
      `Before it can answer, the tool asks:\n${clarifying.map((question) => `- ${question}`).join("\n")}`,
    );
  }

  const suggestions = Array.isArray(answer.suggestedQuestions)
    ? answer.suggestedQuestions.filter(
        (question): question is string => typeof question === "string",
      )
    : [];
  if (suggestions.length > 0) {
    const list = suggestions.map((question) => `- ${question}`).join("\n");
    sections.push(`You could ask:\n${list}`);
  }
  if (sections.length === 0) {
    sections.push("The tool returned no text and no rows.");
  }
  return sections.join("\n\n");
}

function rowCountSentence(shown: number, total: number | undefined): string {
  if (total === undefined || total === shown) {
    return `${shown} rows in total.`;
  }
  return `Showing ${shown} of ${total} rows.`;
}

function describeRow(
  columnNames: readonly string[],
  row: readonly unknown[],
): string {
  const parts = row.map(
    (value, index) =>
      `${columnNames[index] ?? `column ${index + 1}`} = ${formatValue(value)}`,
  );
  if (parts.length <= 1) {
    return parts.join("");
  }
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

function markdownTable(
  columnNames: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const width = Math.max(columnNames.length, ...rows.map((row) => row.length));
  const header = Array.from(
    { length: width },
    (_, index) => columnNames[index] ?? `column ${index + 1}`,
  );
  const lines = [
    tableLine(header),
    tableLine(header.map(() => "---")),
    ...rows.map((row) =>
      tableLine(
        Array.from({ length: width }, (_, index) => formatValue(row[index])),
      ),
    ),
  ];
  return lines.join("\n");
}

function tableLine(cells: readonly string[]): string {
  const escaped = cells.map((cell) =>
    cell.replaceAll("|", "\\|").replaceAll("\n", " "),
  );
  return `| ${escaped.join(" | ")} |`;
}

function columnName(column: unknown): string {
  if (typeof column === "string") {
    return column;
  }
  if (typeof column === "object" && column !== null && "name" in column) {
    return String(column.name);
  }
  return String(column);
}

/**
 * Writes a cell as text. NOTE: numbers pass through JSON.parse first, so a value sent
 * as `7.230` or `1e2` is written as `7.23` or `100`, equal in value but not in form.
 */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return "NULL";
  }
  if (typeof value === "object") {
    return JSON.stringify(value);
  }
  return String(value);
}

function errorMessage(error: unknown): string {
  if (typeof error === "string") {
    return error;
  }
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === "string") {
      return typeof code === "string" ? `${code}: ${message}` : message;
    }
  }
  return JSON.stringify(error);
}

function couldNotAnswer(message: string): string {
  const quoted = message
    .trim()
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
  return `The tool could not answer the question. It returned:\n\n${quoted}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fencedJson(value: unknown): string {
  return `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}
