/**
 * Genie with a language model: writes SQL for a question from the space's table
 * schemas, instructions and example queries by calling an OpenAI-compatible chat
 * completions server, and accepts only one read-only statement back. The request
 * carries the workspace's model API key and never the asking user's token.
 */
import type { GenieSpaceDefinition, TableDefinition } from "../contracts.js";
import { tokenizeSql } from "../warehouse/sql-lexer.js";

/** The chat completions server Genie calls, and the key and model name it sends. */
export interface GenieModelTarget {
  /** Base URL; `/chat/completions` is appended. */
  modelUrl: string;
  modelApiKey: string | undefined;
  modelName: string;
}

/** Model requests that take longer than this fail the message. */
export const modelTimeoutMilliseconds = 60_000;

/** A failed model call, with the Genie `MessageErrorType` the message reports. */
export class ModelSqlError extends Error {
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.name = "ModelSqlError";
    this.errorType = errorType;
  }
}

/** An earlier question of the conversation and the SQL Genie ran for it, if any. */
export interface ConversationTurn {
  question: string;
  sql: string | undefined;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * Builds the chat messages for one question: a system message with the rules, the
 * tables and columns with their types and comments, the space's instructions and its
 * example queries, then the conversation so far, then the question.
 */
export function buildSqlPrompt(
  space: GenieSpaceDefinition,
  tables: readonly TableDefinition[],
  history: readonly ConversationTurn[],
  question: string,
): ChatMessage[] {
  const spaceTables = tables.filter((table) =>
    space.tables.includes(table.name),
  );
  const sections = [
    "You write Databricks SQL for a Genie space. Reply with exactly one SELECT or WITH statement and nothing else: no explanation, no second statement.",
    "Use three-level table names (catalog.schema.table) exactly as listed.",
    "Tables:",
    ...spaceTables.map(describeTable),
  ];
  if (space.instructions.trim() !== "") {
    sections.push(`Instructions: ${space.instructions.trim()}`);
  }
  if (space.exampleQueries.length > 0) {
    sections.push(
      "Example questions with their SQL (a :name marker stands for a value taken from the question):",
      ...space.exampleQueries.map(
        (example) => `Q: ${example.question}\nSQL: ${example.sql}`,
      ),
    );
  }

  const messages: ChatMessage[] = [
    { role: "system", content: sections.join("\n\n") },
  ];
  for (const turn of history) {
    messages.push({ role: "user", content: turn.question });
    messages.push({
      role: "assistant",
      content: turn.sql ?? "(no query was run)",
    });
  }
  messages.push({ role: "user", content: question });
  return messages;
}

function describeTable(table: TableDefinition): string {
  const heading = table.comment
    ? `${table.name}: ${table.comment}`
    : table.name;
  const columns = table.columns.map((column) => {
    const comment = column.comment ? ` -- ${column.comment}` : "";
    return `  ${column.name} ${column.type}${comment}`;
  });
  return [heading, ...columns].join("\n");
}

/** Sends `messages` to the model server and returns the text of its first choice. */
export async function requestCompletion(
  target: GenieModelTarget,
  messages: readonly ChatMessage[],
): Promise<string> {
  const url = `${target.modelUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
  };
  if (target.modelApiKey) {
    headers.authorization = `Bearer ${target.modelApiKey}`;
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: target.modelName,
        messages,
        temperature: 0,
      }),
      signal: AbortSignal.timeout(modelTimeoutMilliseconds),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelSqlError(
      "CHAT_COMPLETION_NETWORK_EXCEPTION",
      `Genie could not reach the model server at ${target.modelUrl}: ${reason}`,
    );
  }

  const text = await response.text();
  if (!response.ok) {
    throw new ModelSqlError(
      "GENERIC_CHAT_COMPLETION_SERVICE_EXCEPTION",
      `The model server at ${target.modelUrl} answered HTTP ${response.status}: ${text.slice(0, 500)}`,
    );
  }
  const content = readFirstChoice(text);
  if (content === undefined) {
    throw new ModelSqlError(
      "INVALID_CHAT_COMPLETION_JSON_EXCEPTION",
      `The model server at ${target.modelUrl} sent no choices[0].message.content: ${text.slice(0, 500)}`,
    );
  }
  return content;
}

function readFirstChoice(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as {
      choices?: { message?: { content?: unknown } }[];
    };
    const content = body.choices?.[0]?.message?.content;
    return typeof content === "string" ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Words that may not appear outside string literals and comments of accepted SQL. A
 * WITH clause may wrap a data-changing statement in Postgres, so checking the first
 * word alone is not enough. The warehouse also runs every statement read-only.
 */
const writeWords = new Set([
  "insert",
  "update",
  "delete",
  "merge",
  "drop",
  "alter",
  "create",
  "truncate",
  "grant",
  "revoke",
  "copy",
  "call",
]);

/**
 * Returns the one SELECT or WITH statement of a model reply, without a Markdown code
 * fence or a final semicolon. Raises `ModelSqlError` for anything else.
 */
export function extractReadOnlyQuery(reply: string): string {
  const fenced = /```(?:sql)?\s*\n?([\s\S]*?)```/i.exec(reply);
  const sql = (fenced?.[1] ?? reply).trim().replace(/;\s*$/, "").trim();
  const tokens = tokenizeSql(sql).filter(
    (token) => token.kind !== "whitespace" && token.kind !== "comment",
  );

  const first = tokens[0];
  const firstWord = first?.kind === "word" ? first.value.toLowerCase() : "";
  if (firstWord !== "select" && firstWord !== "with") {
    throw new ModelSqlError(
      "MISSING_SQL_QUERY_EXCEPTION",
      `The model did not reply with a SELECT or WITH statement: ${reply.slice(0, 300)}`,
    );
  }
  if (tokens.some((token) => token.kind === "symbol" && token.text === ";")) {
    throw new ModelSqlError(
      "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
      "The model replied with more than one SQL statement; Genie runs exactly one read-only statement.",
    );
  }
  const write = tokens.find(
    (token) =>
      token.kind === "word" && writeWords.has(token.value.toLowerCase()),
  );
  if (write) {
    throw new ModelSqlError(
      "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
      `The model's SQL contains ${write.text.toUpperCase()}; Genie runs read-only statements only.`,
    );
  }
  return sql;
}
