/**
 * Word-overlap scoring shared by the Genie imitation and the offline-router planner.
 * Both match short English questions against short English texts, so a bag of
 * lower-cased, lightly stemmed content words is enough and stays predictable.
 */

const stopWords = new Set([
  "a",
  "about",
  "all",
  "also",
  "an",
  "and",
  "any",
  "are",
  "as",
  "at",
  "be",
  "been",
  "being",
  "by",
  "can",
  "could",
  "did",
  "do",
  "does",
  "each",
  "for",
  "from",
  "get",
  "give",
  "had",
  "has",
  "have",
  "how",
  "i",
  "in",
  "into",
  "is",
  "it",
  "its",
  "list",
  "me",
  "my",
  "of",
  "on",
  "or",
  "our",
  "over",
  "please",
  "show",
  "so",
  "tell",
  "than",
  "that",
  "the",
  "their",
  "them",
  "then",
  "there",
  "these",
  "they",
  "this",
  "those",
  "to",
  "us",
  "was",
  "we",
  "were",
  "what",
  "when",
  "where",
  "which",
  "who",
  "whom",
  "why",
  "will",
  "with",
  "would",
  "you",
  "your",
]);

/** Words that mean the same thing in questions about data, mapped to one spelling. */
const synonyms = new Map([
  ["avg", "average"],
  ["mean", "average"],
  ["many", "count"],
  ["number", "count"],
  ["late", "delay"],
  ["lateness", "delay"],
]);

/** Returns whether `word` (lower-case) carries no meaning for matching. */
export function isStopWord(word: string): boolean {
  return stopWords.has(word);
}

/**
 * Strips common English inflections (plural, -ing, -ed) so that "delays",
 * "delayed" and "delay" compare equal. It strips only a few suffixes, so it
 * misses some related forms, such as "departure" and "departing".
 */
export function stemWord(word: string): string {
  if (word.length <= 3) {
    return word;
  }
  if (word.endsWith("ies") && word.length > 4) {
    return `${word.slice(0, -3)}y`;
  }
  if (word.endsWith("sses")) {
    return word.slice(0, -2);
  }
  if (word.endsWith("ing") && word.length >= 7) {
    return word.slice(0, -3);
  }
  if (word.endsWith("ed") && word.length >= 6) {
    return word.slice(0, -2);
  }
  if (
    word.endsWith("s") &&
    !word.endsWith("ss") &&
    !word.endsWith("us") &&
    !word.endsWith("is")
  ) {
    return word.slice(0, -1);
  }
  return word;
}

/**
 * Splits text into lower-case words. Identifiers are split too, so
 * `askGenie_flights` gives "ask", "genie" and "flights".
 */
export function splitWords(text: string): string[] {
  const separated = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/['\u2019]s\b/g, "")
    .toLowerCase();
  return separated.match(/[a-z0-9]+/g) ?? [];
}

/** Returns the distinct content words of `text`: stop words removed, synonyms merged, stemmed. */
export function contentWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const word of splitWords(text)) {
    if (isStopWord(word)) {
      continue;
    }
    words.add(stemWord(synonyms.get(word) ?? word));
  }
  return words;
}

/** Counts the words present in both sets. */
export function countSharedWords(
  first: ReadonlySet<string>,
  second: ReadonlySet<string>,
): number {
  let shared = 0;
  for (const word of first) {
    if (second.has(word)) {
      shared += 1;
    }
  }
  return shared;
}
