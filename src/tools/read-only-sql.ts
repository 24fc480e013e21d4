/**
 * The read-only rule of the SQL tool, checked before any request leaves the process.
 * A small lexer finds statement boundaries the way Databricks SQL reads them: `--` and
 * bracketed comments, single- and double-quoted string literals with backslash escapes,
 * raw literals (`r'...'`) without escapes, and backtick-quoted identifiers.
 */

/** Statement kinds the SQL tool runs, by their first keyword. `DESC` is short for DESCRIBE. */
export const readOnlyKeywords = [
  "SELECT",
  "WITH",
  "SHOW",
  "DESCRIBE",
  "EXPLAIN",
] as const;

const allowedFirstWords = new Set([...readOnlyKeywords, "DESC"]);

/**
 * Words that start a data-changing statement after a WITH clause. Databricks SQL accepts
 * `WITH cte AS (...) INSERT INTO ...`, so a WITH statement is read-only only when its main
 * statement is a query.
 */
const writingWords = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

export type ReadOnlyRule =
  | "empty"
  | "statement-kind"
  | "stacked-statements"
  | "write-after-with"
  | "nested-write"
  | "unterminated"
  | "nested-comment"
  | "ambiguous-escape";

export type ReadOnlyCheck =
  | {
      readOnly: true;
      /** The first keyword, upper-case. */
      keyword: string;
      /** The statement without trailing semicolons and what follows them. */
      statement: string;
    }
  | { readOnly: false; rule: ReadOnlyRule; message: string };

type TokenKind =
  | "space"
  | "comment"
  | "string"
  | "identifier"
  | "word"
  | "symbol";

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
}

class LexError extends Error {
  constructor(
    readonly rule: "unterminated" | "nested-comment",
    message: string,
  ) {
    super(message);
  }
}

const allowedList = "SELECT, WITH, SHOW, DESCRIBE or EXPLAIN";

/**
 * Checks that `sql` is exactly one read-only statement. The result names the broken rule
 * and describes the fix, so the model can correct the statement.
 */
export function checkReadOnlyStatement(sql: string): ReadOnlyCheck {
  const withEscapes = checkTokens(sql, true);
  if (!withEscapes.readOnly || !sql.includes("\\")) {
    return withEscapes;
  }

  // Databricks treats a backslash as an escape by default, but a workspace setting
  // (spark.sql.parser.escapedStringLiterals) turns that off. A statement is accepted only
  // when both readings agree, so a backslash cannot hide a second statement.
  const withoutEscapes = checkTokens(sql, false);
  if (withoutEscapes.readOnly) {
    return withEscapes;
  }
  return reject(
    "ambiguous-escape",
    "The statement contains a backslash before a quote, and it reads as more than one read-only statement " +
      `when the backslash does not escape the quote (${withoutEscapes.message}). ` +
      `Quote text that contains ' with double quotes ("it's"), or remove the backslash.`,
  );
}

function checkTokens(sql: string, backslashEscapes: boolean): ReadOnlyCheck {
  let tokens: Token[];
  try {
    tokens = tokenize(sql, backslashEscapes);
  } catch (error) {
    if (error instanceof LexError) {
      return reject(error.rule, error.message);
    }
    throw error;
  }

  const significant = tokens.filter(
    (token) => token.kind !== "space" && token.kind !== "comment",
  );
  const separator = significant.findIndex((token) => token.text === ";");
  const body = separator === -1 ? significant : significant.slice(0, separator);
  const afterSeparator =
    separator === -1 ? [] : significant.slice(separator + 1);

  const extra = afterSeparator.find((token) => token.text !== ";");
  if (extra !== undefined) {
    return reject(
      "stacked-statements",
      `The statement continues after ";" with a second statement at character ${extra.start + 1} ` +
        `("${excerpt(sql, extra.start)}"). Send one statement per call and run the next one in another call.`,
    );
  }

  const first = body.find((token) => token.text !== "(");
  if (first === undefined) {
    return reject(
      "empty",
      `The statement is empty. Send one ${allowedList} statement.`,
    );
  }
  const keyword = first.text.toUpperCase();
  if (first.kind !== "word" || !allowedFirstWords.has(keyword)) {
    return reject(
      "statement-kind",
      `The SQL tool runs read-only statements only (${allowedList}), and this statement starts with ` +
        `"${first.text}". Rewrite it as a query that reads data.`,
    );
  }

  if (keyword === "WITH") {
    const writing = findWriteAfterWith(body);
    if (writing !== undefined) {
      return reject(
        "write-after-with",
        `This WITH statement ends in ${writing.text.toUpperCase()}, which changes data, and the SQL tool runs ` +
          `read-only statements only (${allowedList}). End the WITH clause with a SELECT query.`,
      );
    }
  }

  const nested = findNestedWrite(body);
  if (nested !== undefined) {
    return reject(
      "nested-write",
      `This statement contains "${nested}" inside it, which changes data, and the SQL tool runs ` +
        `read-only statements only (${allowedList}). Remove the data-changing part.`,
    );
  }

  const last = body.at(-1);
  const end = last === undefined ? sql.length : last.start + last.text.length;
  return {
    readOnly: true,
    keyword: keyword === "DESC" ? "DESCRIBE" : keyword,
    statement: sql.slice(0, end).trim(),
  };
}

/** Returns a word outside parentheses that starts a data-changing statement. */
function findWriteAfterWith(tokens: readonly Token[]): Token | undefined {
  let depth = 0;
  for (const token of tokens) {
    if (token.text === "(") {
      depth += 1;
    } else if (token.text === ")") {
      depth -= 1;
    } else if (
      depth <= 0 &&
      token.kind === "word" &&
      writingWords.has(token.text.toUpperCase())
    ) {
      return token;
    }
  }
  return undefined;
}

/**
 * Returns the words of a data-changing clause anywhere in the statement, such as
 * `DELETE FROM` inside a common table expression, which Postgres-compatible engines run.
 * Pairs of words are matched, so a column merely named "update" does not count.
 */
function findNestedWrite(tokens: readonly Token[]): string | undefined {
  const words = tokens.filter((token) => token.kind === "word");
  for (const [index, token] of words.entries()) {
    const word = token.text.toUpperCase();
    const next = words[index + 1]?.text.toUpperCase();
    const afterNext = words[index + 2]?.text.toUpperCase();
    const isWrite =
      (word === "DELETE" && next === "FROM") ||
      (word === "INSERT" && (next === "INTO" || next === "OVERWRITE")) ||
      (word === "MERGE" && next === "INTO") ||
      (word === "UPDATE" && afterNext === "SET");
    if (isWrite) {
      return `${token.text} ${words[index + 1]?.text ?? ""}`.trim();
    }
  }
  return undefined;
}

function reject(rule: ReadOnlyRule, message: string): ReadOnlyCheck {
  return { readOnly: false, rule, message };
}

function excerpt(sql: string, start: number): string {
  const text = sql.slice(start).replace(/\s+/g, " ").trim();
  return text.length > 30 ? `${text.slice(0, 30)}...` : text;
}

const wordCharacter = /[\p{L}\p{N}_$]/u;

function tokenize(sql: string, backslashEscapes: boolean): Token[] {
  const tokens: Token[] = [];
  let position = 0;

  while (position < sql.length) {
    const start = position;
    const character = sql.charAt(position);
    const next = sql.charAt(position + 1);
    let kind: TokenKind;

    if (/\s/.test(character)) {
      kind = "space";
      while (position < sql.length && /\s/.test(sql.charAt(position))) {
        position += 1;
      }
    } else if (character === "-" && next === "-") {
      kind = "comment";
      const end = sql.indexOf("\n", position);
      position = end === -1 ? sql.length : end;
    } else if (character === "/" && next === "*") {
      kind = "comment";
      position = endOfBracketedComment(sql, position);
    } else if (character === "'" || character === '"') {
      kind = "string";
      position = endOfQuoted(sql, position, backslashEscapes);
    } else if (character === "`") {
      kind = "identifier";
      position = endOfBacktickIdentifier(sql, position);
    } else if (wordCharacter.test(character)) {
      kind = "word";
      while (
        position < sql.length &&
        wordCharacter.test(sql.charAt(position))
      ) {
        position += 1;
      }
      const quote = sql.charAt(position);
      if (/^[rR]$/.test(sql.slice(start, position)) && /['"]/.test(quote)) {
        // A raw literal such as r'C:\path': the backslash escapes nothing.
        kind = "string";
        position = endOfQuoted(sql, position, false);
      }
    } else {
      kind = "symbol";
      position += 1;
    }

    tokens.push({ kind, text: sql.slice(start, position), start });
  }
  return tokens;
}

/**
 * Returns the offset after a bracketed comment. Databricks nests bracketed comments and
 * some SQL dialects do not, so a comment that contains another opener is rejected: the
 * two readings would end the comment in different places.
 */
function endOfBracketedComment(sql: string, start: number): number {
  const close = sql.indexOf("*/", start + 2);
  const nested = sql.indexOf("/*", start + 2);
  if (nested !== -1 && (close === -1 || nested < close)) {
    throw new LexError(
      "nested-comment",
      `The comment at character ${start + 1} contains another "/*". Remove the nested comment opener.`,
    );
  }
  if (close === -1) {
    throw new LexError(
      "unterminated",
      `The comment at character ${start + 1} has no closing "*/". Close it or remove it.`,
    );
  }
  return close + 2;
}

function endOfQuoted(
  sql: string,
  start: number,
  backslashEscapes: boolean,
): number {
  const quote = sql.charAt(start);
  for (let position = start + 1; position < sql.length; position += 1) {
    const character = sql.charAt(position);
    if (character === "\\" && backslashEscapes) {
      position += 1;
    } else if (character === quote) {
      return position + 1;
    }
  }
  throw new LexError(
    "unterminated",
    `The string literal at character ${start + 1} has no closing ${quote}. Close it with the same quote.`,
  );
}

/** Returns the offset after a backtick identifier; a doubled backtick stands for one. */
function endOfBacktickIdentifier(sql: string, start: number): number {
  for (let position = start + 1; position < sql.length; position += 1) {
    if (sql.charAt(position) !== "`") {
      continue;
    }
    if (sql.charAt(position + 1) === "`") {
      position += 1;
      continue;
    }
    return position + 1;
  }
  throw new LexError(
    "unterminated",
    `The identifier at character ${start + 1} has no closing backtick. Close it with a backtick.`,
  );
}
