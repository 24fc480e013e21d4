/**
 * Finds values for Genie example-query parameters in a question: months, airports,
 * US states and integers. Each value keeps its character span so that the matcher
 * can replace it with a placeholder word before comparing questions.
 */
import type { GenieParameterKind } from "../contracts.js";
import { isStopWord } from "../text/word-overlap.js";
import { usStateNamesByCode } from "./us-states.js";

/** Airports of a Genie space, read once from its airports table. */
export interface AirportDirectory {
  /** Upper-case IATA codes. */
  codes: ReadonlySet<string>;
  /** City name as lower-case words joined by single spaces, mapped to an IATA code. */
  codesByCity: ReadonlyMap<string, string>;
}

export interface ParameterValue {
  kind: GenieParameterKind;
  /** The value as sent to the warehouse: a month or integer in decimal, a code in upper case. */
  value: string;
  /** Character span of the value in the question, end exclusive. */
  start: number;
  end: number;
}

interface Word {
  text: string;
  lowerCase: string;
  start: number;
  end: number;
}

const monthNumbersByName = new Map<string, number>([
  ["january", 1],
  ["jan", 1],
  ["february", 2],
  ["feb", 2],
  ["march", 3],
  ["mar", 3],
  ["april", 4],
  ["apr", 4],
  ["may", 5],
  ["june", 6],
  ["jun", 6],
  ["july", 7],
  ["jul", 7],
  ["august", 8],
  ["aug", 8],
  ["september", 9],
  ["sep", 9],
  ["sept", 9],
  ["october", 10],
  ["oct", 10],
  ["november", 11],
  ["nov", 11],
  ["december", 12],
  ["dec", 12],
]);

const numbersByWord = new Map<string, number>(
  [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
  ].map((word, index) => [word, index]),
);

/**
 * Everyday English words that are also IATA codes in the demo airports table. Written
 * in lower case they are read as words, so "flights per day" does not mean Dayton.
 */
const everydayWordsThatAreCodes = new Set([
  "and",
  "any",
  "art",
  "bed",
  "bet",
  "bid",
  "big",
  "buy",
  "car",
  "cut",
  "day",
  "ear",
  "eat",
  "eye",
  "far",
  "fat",
  "fit",
  "gas",
  "guy",
  "hot",
  "law",
  "lot",
  "new",
  "old",
  "pan",
  "pie",
  "pit",
  "red",
  "rid",
  "row",
  "sad",
  "saw",
  "sea",
  "see",
  "set",
  "sit",
  "sun",
  "top",
  "use",
  "way",
]);

/** Words after which a lower-case three-letter code reads as an airport. */
const placePrepositions = new Set([
  "from",
  "to",
  "at",
  "of",
  "into",
  "via",
  "out",
]);

const stateCodesByName = new Map(
  [...usStateNamesByCode].map(([code, name]) => [normalizePhrase(name), code]),
);

/** Lower-cases a name and joins its words with single spaces, for phrase lookups. */
export function normalizePhrase(text: string): string {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).join(" ");
}

/** Returns every parameter value found in `question`, ordered by position. */
export function findParameterValues(
  question: string,
  airportDirectory: AirportDirectory,
): ParameterValue[] {
  // Words inside e-mail addresses and domain names ("carol@example.com") are never values.
  const addressSpans = [
    ...question.matchAll(
      /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[a-z]{2,})+\b/gi,
    ),
  ].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
  const words = splitIntoWords(question).filter(
    (word) => !overlapsAny(word, addressSpans),
  );
  const months = findMonths(question, words);
  const states = findStates(words);
  const airports = findAirports(words, airportDirectory).filter(
    (airport) => !namesAState(airport, states, question),
  );
  const values = [
    ...months,
    ...findIntegers(words, months),
    ...states,
    ...airports,
  ];
  return values.sort((first, second) => first.start - second.start);
}

/** True when an airport found by city name is the state of the same name: "New York state". */
function namesAState(
  airport: ParameterValue,
  states: readonly ParameterValue[],
  question: string,
): boolean {
  const sameSpan = states.some(
    (state) => state.start === airport.start && state.end === airport.end,
  );
  return sameSpan && /^\s+state\b/i.test(question.slice(airport.end));
}

function splitIntoWords(question: string): Word[] {
  return [...question.matchAll(/[A-Za-z0-9]+/g)].map((match) => ({
    text: match[0],
    lowerCase: match[0].toLowerCase(),
    start: match.index,
    end: match.index + match[0].length,
  }));
}

function findMonths(question: string, words: Word[]): ParameterValue[] {
  const months: ParameterValue[] = [];

  for (const match of question.matchAll(/\b(\d{4})-(\d{1,2})\b/g)) {
    const month = Number(match[2]);
    if (month >= 1 && month <= 12) {
      const end = match.index + match[0].length;
      months.push(monthValue(month, match.index, end));
    }
  }

  for (const [index, word] of words.entries()) {
    const month = monthNumbersByName.get(word.lowerCase);
    if (month === undefined || overlapsAny(word, months)) {
      continue;
    }
    // "may" is far more often the verb, so only a capitalized "May" that does
    // not open the question counts as the month.
    if (word.lowerCase === "may" && (word.text !== "May" || index === 0)) {
      continue;
    }
    const year = words[index + 1];
    const gap = year ? question.slice(word.end, year.start) : "";
    const yearFollows =
      year !== undefined &&
      /^\d{4}$/.test(year.text) &&
      /^[\s,.]*(of\s+)?$/i.test(gap);
    months.push(
      monthValue(month, word.start, yearFollows ? year.end : word.end),
    );
  }

  return months;
}

function monthValue(month: number, start: number, end: number): ParameterValue {
  return { kind: "month", value: String(month), start, end };
}

/** Numbers outside month spans, so the year in "February 2001" is not an integer. */
function findIntegers(
  words: Word[],
  months: ParameterValue[],
): ParameterValue[] {
  const integers: ParameterValue[] = [];
  for (const word of words) {
    if (overlapsAny(word, months)) {
      continue;
    }
    const number = /^\d+$/.test(word.text)
      ? Number(word.text)
      : numbersByWord.get(word.lowerCase);
    if (number === undefined || !Number.isSafeInteger(number)) {
      continue;
    }
    integers.push({
      kind: "integer",
      value: String(number),
      start: word.start,
      end: word.end,
    });
  }
  return integers;
}

function findStates(words: Word[]): ParameterValue[] {
  const states = findPhrases(words, stateCodesByName, 3, () => true).map(
    (phrase) => ({ ...phrase, kind: "state" as const }),
  );
  for (const word of words) {
    // Lower-case "in", "or" and "me" are common words, so only upper-case codes count.
    const isStateCode =
      /^[A-Z]{2}$/.test(word.text) && usStateNamesByCode.has(word.text);
    if (isStateCode && !overlapsAny(word, states)) {
      states.push({
        kind: "state",
        value: word.text,
        start: word.start,
        end: word.end,
      });
    }
  }
  return states;
}

function findAirports(
  words: Word[],
  airports: AirportDirectory,
): ParameterValue[] {
  const found: ParameterValue[] = [];
  const addWord = (word: Word) =>
    found.push({
      kind: "airport",
      value: word.text.toUpperCase(),
      start: word.start,
      end: word.end,
    });

  for (const word of words) {
    if (/^[A-Z]{3}$/.test(word.text) && airports.codes.has(word.text)) {
      addWord(word);
    }
  }

  // A one-word city must be capitalized and not open the question, because many
  // towns share a name with an ordinary word ("Many", "Union", "Commerce").
  const cities = findPhrases(
    words,
    airports.codesByCity,
    5,
    (phrase, firstIndex) =>
      phrase.length > 1 ||
      (firstIndex > 0 && /^[A-Z]/.test(phrase[0]?.text ?? "")),
  );
  for (const city of cities) {
    if (!overlapsAny(city, found)) {
      found.push({ ...city, kind: "airport" });
    }
  }

  for (const [index, word] of words.entries()) {
    // A code typed in lower case ("from sfo") counts only right after a preposition of
    // place, because three-letter words such as "act" or "art" are also codes.
    const previous = words[index - 1]?.lowerCase ?? "";
    const isLowerCaseCode =
      word.text.length === 3 &&
      word.text === word.lowerCase &&
      placePrepositions.has(previous) &&
      airports.codes.has(word.text.toUpperCase()) &&
      !isStopWord(word.lowerCase) &&
      !everydayWordsThatAreCodes.has(word.lowerCase);
    if (isLowerCaseCode && !overlapsAny(word, found)) {
      addWord(word);
    }
  }

  return found;
}

/**
 * Looks up runs of up to `maximumWords` words in `lookup`, longest first, so that
 * "West Virginia" wins over "Virginia". Returns the value and span of each match.
 */
function findPhrases(
  words: Word[],
  lookup: ReadonlyMap<string, string>,
  maximumWords: number,
  accept: (phrase: Word[], firstIndex: number) => boolean,
): { value: string; start: number; end: number }[] {
  const matches: { value: string; start: number; end: number }[] = [];
  for (let length = maximumWords; length >= 1; length -= 1) {
    for (let first = 0; first + length <= words.length; first += 1) {
      const phrase = words.slice(first, first + length);
      const start = phrase[0]?.start ?? 0;
      const end = phrase[phrase.length - 1]?.end ?? 0;
      const value = lookup.get(phrase.map((word) => word.lowerCase).join(" "));
      if (
        value === undefined ||
        overlapsAny({ start, end }, matches) ||
        !accept(phrase, first)
      ) {
        continue;
      }
      matches.push({ value, start, end });
    }
  }
  return matches;
}

function overlapsAny(
  span: { start: number; end: number },
  others: readonly { start: number; end: number }[],
): boolean {
  return others.some(
    (other) => span.start < other.end && other.start < span.end,
  );
}
