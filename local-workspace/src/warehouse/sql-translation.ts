import { type QueryParameter, WarehouseError } from "../contracts.js";
import {
  bracketlessFunctions,
  helperFunctions,
  postgresCastTypes,
  postgresParameterTypes,
} from "./dialect-mappings.js";
import {
  helperSchema,
  postgresTable,
  quoteIdentifier,
  quoteLiteral,
  storageTable,
} from "./postgres-names.js";
import {
  findThreeLevelNames,
  type SqlToken,
  tokenizeSql,
} from "./sql-lexer.js";

/** Names of the warehouse's objects, as the translator needs them. */
export interface TranslationContext {
  /** Lower-case three-level names of the warehouse's tables. */
  tableNames: ReadonlySet<string>;
  /**
   * Lower-case catalog, schema, table and column names. A backtick identifier that
   * matches one is folded to lower case, because Databricks resolves names without
   * regard to case while quoted Postgres names are case-sensitive.
   */
  knownIdentifiers: ReadonlySet<string>;
  /**
   * When true, three-level names become the storage tables, which bypass column masks
   * (and, for the superuser, row filters); otherwise they become the views principals read.
   */
  storage?: boolean;
}

export interface TranslatedSql {
  /** Postgres SQL with `$n` placeholders. */
  text: string;
  /** Placeholder values in `$n` order. */
  values: (string | null)[];
  /** Three-level names of the known tables the statement names. */
  referencedTables: string[];
}

/**
 * Translates one Databricks SQL statement to Postgres. Known three-level table names
 * become Postgres names and backtick identifiers become double-quoted ones. String
 * literals are re-quoted in Postgres style and `:name` markers become `$n` placeholders.
 * A few Databricks functions and cast type names are mapped. Comments and the text of
 * string literals are kept. Throws `WarehouseError` for a marker without a parameter or
 * a parameter of an unknown type.
 */
export function translateSql(
  sql: string,
  context: TranslationContext,
  parameters: readonly QueryParameter[] = [],
): TranslatedSql {
  const tokens = tokenizeSql(sql);
  const tableAt = new Map(
    findThreeLevelNames(tokens)
      .filter((name) => context.tableNames.has(name.name))
      .map((name) => [name.firstToken, name]),
  );
  const placeholders = new PlaceholderList(parameters);
  const referencedTables = new Set<string>();
  // One entry per open bracket: whether it opened a CAST, where `AS` names a type.
  const castBrackets: boolean[] = [];
  let previousWord = "";
  let text = "";

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as SqlToken;
    const table = tableAt.get(index);

    if (table !== undefined) {
      text += context.storage
        ? storageTable(table.name)
        : postgresTable(table.name);
      referencedTables.add(table.name);
      index = table.lastToken;
    } else if (token.kind === "backtick-identifier") {
      const lowerCase = token.value.toLowerCase();
      text += quoteIdentifier(
        context.knownIdentifiers.has(lowerCase) ? lowerCase : token.value,
      );
    } else if (token.kind === "string") {
      text += quoteLiteral(token.value);
    } else if (token.kind === "parameter") {
      text += placeholders.placeholderFor(token.value);
    } else if (token.kind === "word" && tokens[index - 1]?.text !== ".") {
      const namesType =
        previousSignificant(tokens, index)?.text === "::" ||
        (previousWord === "as" && castBrackets.at(-1) === true);
      const translated = translateWord(tokens, index, namesType);
      text += translated.text;
      index = translated.lastToken;
    } else {
      if (token.text === "(") {
        castBrackets.push(previousWord === "cast");
      } else if (token.text === ")") {
        castBrackets.pop();
      }
      text += token.text;
    }

    if (token.kind === "word") {
      previousWord = token.value.toLowerCase();
    } else if (token.kind !== "whitespace" && token.kind !== "comment") {
      previousWord = "";
    }
  }

  return {
    text,
    values: placeholders.values,
    referencedTables: [...referencedTables],
  };
}

/**
 * Translates the word at `index`: a Databricks type name when `namesType` is true (a
 * type is expected there), a bracketless function such as `current_user()`, or a
 * helper function call. Returns the text and the index of the last token it consumed.
 */
function translateWord(
  tokens: readonly SqlToken[],
  index: number,
  namesType: boolean,
): { text: string; lastToken: number } {
  const token = tokens[index] as SqlToken;
  const lowerCase = token.value.toLowerCase();

  const castType = postgresCastTypes[lowerCase];
  const nextWord = tokens[nextSignificant(tokens, index) ?? -1]?.value;
  // DOUBLE PRECISION is already a Postgres type name.
  if (
    castType !== undefined &&
    namesType &&
    nextWord?.toLowerCase() !== "precision"
  ) {
    return { text: castType, lastToken: index };
  }

  const bracketless = bracketlessFunctions[lowerCase];
  const bracketsEnd = emptyBracketsEnd(tokens, index);
  if (bracketless !== undefined && bracketsEnd !== undefined) {
    return { text: bracketless, lastToken: bracketsEnd };
  }

  const helper = helperFunctions[lowerCase];
  if (helper !== undefined && isCall(tokens, index)) {
    return { text: `${helperSchema}.${helper}`, lastToken: index };
  }
  return { text: token.text, lastToken: index };
}

/** Numbers `:name` markers as `$n` placeholders, one per distinct name. */
class PlaceholderList {
  readonly values: (string | null)[] = [];
  readonly #parameters: Map<string, QueryParameter>;
  readonly #placeholders = new Map<string, string>();

  constructor(parameters: readonly QueryParameter[]) {
    this.#parameters = new Map(
      parameters.map((parameter) => [parameter.name, parameter]),
    );
  }

  placeholderFor(name: string): string {
    const existing = this.#placeholders.get(name);
    if (existing !== undefined) {
      return existing;
    }

    const parameter = this.#parameters.get(name);
    if (parameter === undefined) {
      throw new WarehouseError(
        "UNBOUND_SQL_PARAMETER",
        `The statement uses the parameter marker :${name}, but no parameter named "${name}" was supplied. Pass a value for it or remove the marker.`,
        "42P02",
      );
    }
    this.values.push(parameter.value);
    const placeholder = `$${this.values.length}${parameterCast(parameter)}`;
    this.#placeholders.set(name, placeholder);
    return placeholder;
  }
}

function nextSignificant(
  tokens: readonly SqlToken[],
  index: number,
): number | undefined {
  for (let next = index + 1; next < tokens.length; next += 1) {
    const kind = tokens[next]?.kind;
    if (kind !== "whitespace" && kind !== "comment") {
      return next;
    }
  }
  return undefined;
}

function previousSignificant(
  tokens: readonly SqlToken[],
  index: number,
): SqlToken | undefined {
  for (let previous = index - 1; previous >= 0; previous -= 1) {
    const token = tokens[previous];
    if (token?.kind !== "whitespace" && token?.kind !== "comment") {
      return token;
    }
  }
  return undefined;
}

function isCall(tokens: readonly SqlToken[], index: number): boolean {
  const next = nextSignificant(tokens, index);
  return next !== undefined && tokens[next]?.text === "(";
}

/** Returns the index of `)` when the word at `index` is followed by `()`. */
function emptyBracketsEnd(
  tokens: readonly SqlToken[],
  index: number,
): number | undefined {
  const open = nextSignificant(tokens, index);
  if (open === undefined || tokens[open]?.text !== "(") {
    return undefined;
  }
  const close = nextSignificant(tokens, open);
  return close !== undefined && tokens[close]?.text === ")" ? close : undefined;
}

/**
 * Returns the Postgres cast for a typed parameter. An untyped parameter gets no cast, so
 * Postgres infers its type from where it is used, and a value such as "2" compared with
 * a number needs no declared type.
 */
function parameterCast(parameter: QueryParameter): string {
  if (parameter.type === undefined) {
    return "";
  }

  const typeName = parameter.type.trim().toUpperCase();
  const decimal = /^DECIMAL\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(typeName);
  if (decimal !== null) {
    return `::numeric(${decimal[1]},${decimal[2] ?? "0"})`;
  }

  const postgresType = postgresParameterTypes[typeName];
  if (postgresType === undefined) {
    throw new WarehouseError(
      "INVALID_PARAMETER_VALUE",
      `Parameter "${parameter.name}" has the unsupported type "${parameter.type}". Use one of ${Object.keys(postgresParameterTypes).join(", ")} or DECIMAL(p,s).`,
      "22023",
    );
  }
  return `::${postgresType}`;
}
