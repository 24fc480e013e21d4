/**
 * A lexer for Databricks SQL, precise enough to rewrite names and parameter markers
 * without touching string literals or comments. It follows Databricks' defaults: single-
 * and double-quoted text are string literals (with backslash escapes), and backticks
 * quote identifiers.
 */

export type SqlTokenKind =
  | "whitespace"
  | "comment"
  | "string"
  | "backtick-identifier"
  | "word"
  | "number"
  | "parameter"
  | "symbol";

export interface SqlToken {
  kind: SqlTokenKind;
  /** The exact source text of the token. */
  text: string;
  /**
   * Decoded content: the value of a string literal, the name inside backticks, or the
   * name of a `:name` parameter marker. Equals `text` for other kinds.
   */
  value: string;
  /** Offset of the token's first character in the source. */
  start: number;
}

const wordStart = /[\p{L}_]/u;
const wordPart = /[\p{L}\p{N}_$]/u;
const digit = /[0-9]/;

const escapedCharacters: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  "0": "\0",
};

/** Splits `sql` into tokens; unterminated literals and comments run to the end. */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let position = 0;

  while (position < sql.length) {
    const start = position;
    const character = sql.charAt(position);
    const next = sql.charAt(position + 1);
    let kind: SqlTokenKind;
    let value: string | undefined;

    if (/\s/.test(character)) {
      kind = "whitespace";
      while (position < sql.length && /\s/.test(sql.charAt(position))) {
        position += 1;
      }
    } else if (character === "-" && next === "-") {
      kind = "comment";
      const end = sql.indexOf("\n", position);
      position = end === -1 ? sql.length : end;
    } else if (character === "/" && next === "*") {
      kind = "comment";
      position = endOfBlockComment(sql, position);
    } else if (character === "'" || character === '"') {
      kind = "string";
      const literal = readQuoted(sql, position, character, true);
      position = literal.end;
      value = literal.value;
    } else if (character === "`") {
      kind = "backtick-identifier";
      const identifier = readQuoted(sql, position, "`", false);
      position = identifier.end;
      value = identifier.value;
    } else if (character === ":" && next === ":") {
      kind = "symbol";
      position += 2;
    } else if (character === ":" && wordStart.test(next)) {
      kind = "parameter";
      position = endOfWord(sql, position + 1);
      value = sql.slice(start + 1, position);
    } else if (wordStart.test(character)) {
      kind = "word";
      position = endOfWord(sql, position);
    } else if (
      digit.test(character) ||
      (character === "." && digit.test(next))
    ) {
      kind = "number";
      position = endOfNumber(sql, position);
    } else {
      kind = "symbol";
      position += 1;
    }

    const text = sql.slice(start, position);
    tokens.push({ kind, text, value: value ?? text, start });
  }

  return tokens;
}

function endOfWord(sql: string, position: number): number {
  let end = position;
  while (end < sql.length && wordPart.test(sql.charAt(end))) {
    end += 1;
  }
  return end;
}

function endOfNumber(sql: string, position: number): number {
  const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z]*/.exec(
    sql.slice(position),
  );
  return position + (match?.[0].length ?? 1);
}

/** Block comments nest, as in Postgres and Databricks. */
function endOfBlockComment(sql: string, position: number): number {
  let depth = 0;
  let end = position;
  while (end < sql.length) {
    if (sql.startsWith("/*", end)) {
      depth += 1;
      end += 2;
    } else if (sql.startsWith("*/", end)) {
      depth -= 1;
      end += 2;
      if (depth === 0) {
        return end;
      }
    } else {
      end += 1;
    }
  }
  return end;
}

/**
 * Reads a quoted token starting at `position`. A doubled quote stands for one quote
 * character; in string literals a backslash also escapes the next character.
 */
function readQuoted(
  sql: string,
  position: number,
  quote: string,
  backslashEscapes: boolean,
): { end: number; value: string } {
  let value = "";
  let end = position + 1;

  while (end < sql.length) {
    const character = sql.charAt(end);
    if (backslashEscapes && character === "\\" && end + 1 < sql.length) {
      const escaped = sql.charAt(end + 1);
      value += escapedCharacters[escaped] ?? escaped;
      end += 2;
    } else if (character === quote && sql.charAt(end + 1) === quote) {
      value += quote;
      end += 2;
    } else if (character === quote) {
      return { end: end + 1, value };
    } else {
      value += character;
      end += 1;
    }
  }

  return { end, value };
}

/** Returns true for tokens that name something: plain words and backtick identifiers. */
export function isIdentifierToken(token: SqlToken | undefined): boolean {
  return token?.kind === "word" || token?.kind === "backtick-identifier";
}

/** Returns the distinct names of the `:name` parameter markers in `sql`, in order. */
export function findParameterMarkers(sql: string): string[] {
  const names = tokenizeSql(sql)
    .filter((token) => token.kind === "parameter")
    .map((token) => token.value);
  return [...new Set(names)];
}

/** A dotted name of exactly three parts, such as `samples.aviation.flights`. */
export interface ThreeLevelName {
  /** Lower-case `catalog.schema.table`. */
  name: string;
  /** Index of the first token of the name. */
  firstToken: number;
  /** Index of the last token of the name. */
  lastToken: number;
}

/**
 * Finds names of three or more dotted parts in `tokens` and returns their first three
 * parts. A fourth part, as in `catalog.schema.table.column`, is left to the caller.
 */
export function findThreeLevelNames(
  tokens: readonly SqlToken[],
): ThreeLevelName[] {
  const names: ThreeLevelName[] = [];

  for (let index = 0; index < tokens.length; index += 1) {
    if (tokens[index - 1]?.text === ".") {
      continue;
    }
    const parts = [tokens[index], tokens[index + 2], tokens[index + 4]];
    const separated =
      tokens[index + 1]?.text === "." && tokens[index + 3]?.text === ".";
    if (!separated || !parts.every(isIdentifierToken)) {
      continue;
    }

    names.push({
      name: parts.map((part) => part?.value.toLowerCase()).join("."),
      firstToken: index,
      lastToken: index + 4,
    });
    index += 4;
  }

  return names;
}
