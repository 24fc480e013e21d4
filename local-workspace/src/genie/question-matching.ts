/**
 * Picks the example query of a Genie space that best answers a question and fills
 * its parameters from the question. This replaces Genie's language model, so Genie
 * can only answer what an example already covers.
 */
import type {
  GenieExampleQuery,
  GenieParameterKind,
  QueryParameter,
} from "../contracts.js";
import { contentWords, countSharedWords } from "../text/word-overlap.js";
import {
  type AirportDirectory,
  findParameterValues,
  type ParameterValue,
} from "./parameter-values.js";

export interface FilledParameter {
  name: string;
  kind: GenieParameterKind;
  value: string;
  /** Databricks SQL type the value is sent as. */
  sqlType: "INT" | "STRING";
}

export interface ExampleMatch {
  example: GenieExampleQuery;
  parameters: FilledParameter[];
  /**
   * Content words shared with the example, a placeholder per parameter kind included,
   * minus one for each value of the question that the example leaves unused.
   */
  score: number;
  /** Months, airports and states of the question that the example leaves unused. */
  unusedFilters: number;
}

/**
 * Minimum share of the question's own content words (placeholders excluded) that
 * the example must contain, so that one common word such as "flights" does not
 * turn an unrelated question into an answer.
 */
const minimumSharedWordFraction = 0.25;

const sqlTypesByKind: Record<GenieParameterKind, "INT" | "STRING"> = {
  month: "INT",
  integer: "INT",
  airport: "STRING",
  state: "STRING",
};

/** Returns the best example for `question`, or undefined when none fits. */
export function matchQuestion(
  question: string,
  examples: readonly GenieExampleQuery[],
  airports: AirportDirectory,
): ExampleMatch | undefined {
  const values = findParameterValues(question, airports);
  const questionWords = wordsWithPlaceholders(question, values, []);
  const plainQuestionWords = withoutPlaceholders(questionWords);

  let best: ExampleMatch | undefined;
  for (const example of examples) {
    const filling = fillParameters(example, values);
    if (!filling) {
      continue;
    }

    const exampleValues = findParameterValues(example.question, airports);
    const declaredKinds = (example.parameters ?? []).map(
      (parameter) => parameter.kind,
    );
    const exampleWords = wordsWithPlaceholders(
      example.question,
      exampleValues,
      declaredKinds,
    );
    const sharedPlainWords = countSharedWords(
      plainQuestionWords,
      withoutPlaceholders(exampleWords),
    );
    if (
      sharedPlainWords === 0 ||
      sharedPlainWords < minimumSharedWordFraction * plainQuestionWords.size
    ) {
      continue;
    }

    // An example that ignores a month or an airport of the question answers a
    // broader question than was asked, which is worse than a weaker word match.
    const candidate = {
      example,
      parameters: filling.parameters,
      score:
        countSharedWords(questionWords, exampleWords) -
        countUnusedValues(values, filling.used),
      unusedFilters: countUnusedValues(
        values.filter((value) => value.kind !== "integer"),
        filling.used,
      ),
    };
    if (!best || isBetterMatch(candidate, best)) {
      best = candidate;
    }
  }
  if (best !== undefined && best.unusedFilters > 0) {
    // Answering without a month, airport or state the question named would answer a
    // broader question as if it were the one asked; Genie declines instead.
    return undefined;
  }
  return best;
}

/** Converts filled parameters into warehouse query parameters. */
export function toQueryParameters(
  parameters: readonly FilledParameter[],
): QueryParameter[] {
  return parameters.map((parameter) => ({
    name: parameter.name,
    value: parameter.value,
    type: parameter.sqlType,
  }));
}

/**
 * Assigns the question's values to the example's parameters in order of appearance,
 * so a query with `origin` and `destination` airports takes the first airport named
 * as the origin. Returns undefined when a parameter has no value.
 */
function fillParameters(
  example: GenieExampleQuery,
  values: readonly ParameterValue[],
): { parameters: FilledParameter[]; used: Set<ParameterValue> } | undefined {
  const used = new Set<ParameterValue>();
  const filled: FilledParameter[] = [];
  for (const parameter of example.parameters ?? []) {
    const value = values.find(
      (candidate) =>
        candidate.kind === parameter.kind &&
        !used.has(candidate) &&
        withinRange(candidate, parameter),
    );
    if (!value) {
      return undefined;
    }
    used.add(value);
    filled.push({
      name: parameter.name,
      kind: parameter.kind,
      value: value.value,
      sqlType: sqlTypesByKind[parameter.kind],
    });
  }
  return { parameters: filled, used };
}

function withinRange(
  value: ParameterValue,
  parameter: { minimum?: number; maximum?: number },
): boolean {
  const number = Number(value.value);
  return (
    (parameter.minimum === undefined || number >= parameter.minimum) &&
    (parameter.maximum === undefined || number <= parameter.maximum)
  );
}

/**
 * Returns the content words of `text` with every parameter value replaced by a
 * placeholder such as `#month`, so "January 2001" and "February 2001" compare equal.
 */
function wordsWithPlaceholders(
  text: string,
  values: readonly ParameterValue[],
  extraKinds: readonly GenieParameterKind[],
): Set<string> {
  let blanked = text;
  for (const value of values) {
    const blank = " ".repeat(value.end - value.start);
    blanked = blanked.slice(0, value.start) + blank + blanked.slice(value.end);
  }
  const words = contentWords(blanked);
  for (const kind of [...values.map((value) => value.kind), ...extraKinds]) {
    words.add(`#${kind}`);
  }
  return words;
}

/**
 * Counts the spans of the question holding a value that no parameter took. A span
 * read two ways, such as "New York" as a state and as a city, counts once and is
 * used when either reading is.
 */
function countUnusedValues(
  values: readonly ParameterValue[],
  used: ReadonlySet<ParameterValue>,
): number {
  const overlaps = (first: ParameterValue, second: ParameterValue) =>
    first.start < second.end && second.start < first.end;
  const unusedSpans = new Set<string>();
  for (const value of values) {
    const isUsed = [...used].some((usedValue) => overlaps(usedValue, value));
    if (!isUsed) {
      unusedSpans.add(`${value.start}-${value.end}`);
    }
  }
  return unusedSpans.size;
}

function withoutPlaceholders(words: ReadonlySet<string>): Set<string> {
  return new Set([...words].filter((word) => !word.startsWith("#")));
}

function isBetterMatch(candidate: ExampleMatch, best: ExampleMatch): boolean {
  if (candidate.score !== best.score) {
    return candidate.score > best.score;
  }
  return candidate.parameters.length > best.parameters.length;
}
