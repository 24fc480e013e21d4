/**
 * Follow-up questions such as "And in March?" or "What about from SEA?". Genie's model
 * reads them against the conversation. Here the follow-up's values are written into
 * the previous question instead, and the result is matched like any other question.
 */
import type { GenieExampleQuery } from "../contracts.js";
import { contentWords } from "../text/word-overlap.js";
import {
  type AirportDirectory,
  findParameterValues,
  type ParameterValue,
} from "./parameter-values.js";
import { type ExampleMatch, matchQuestion } from "./question-matching.js";

/** Openings that mark a question as building on the previous one. */
const followUpOpening =
  /^\s*(and|but|also|now|then|ok|okay|same|what about|how about|and what about)\b/i;

/** Words that may stand before a value and tell which value of the previous question it replaces. */
const prepositions = new Set([
  "in",
  "from",
  "to",
  "for",
  "during",
  "at",
  "of",
  "into",
]);

const defaultPrepositions: Record<ParameterValue["kind"], string> = {
  month: "in",
  airport: "from",
  state: "from",
  integer: "",
};

/**
 * Returns whether `question` reads as a follow-up: it opens with a word such as "And"
 * or "What about", or has no content words besides its values.
 */
export function looksLikeFollowUp(
  question: string,
  airports: AirportDirectory,
): boolean {
  if (followUpOpening.test(question)) {
    return true;
  }
  let blanked = question;
  for (const value of findParameterValues(question, airports)) {
    blanked =
      blanked.slice(0, value.start) +
      " ".repeat(value.end - value.start) +
      blanked.slice(value.end);
  }
  return contentWords(blanked).size === 0;
}

/**
 * Writes the values of `followUp` into `previousQuestion`: each value replaces the
 * previous value of its kind (the one after the same preposition when there are
 * several), or is appended with its preposition when the previous question has none.
 * Returns undefined when the follow-up names no value.
 */
export function rewriteFollowUp(
  followUp: string,
  previousQuestion: string,
  airports: AirportDirectory,
): string | undefined {
  const values = findParameterValues(followUp, airports);
  if (values.length === 0) {
    return undefined;
  }

  const previousValues = findParameterValues(previousQuestion, airports);
  const replaced = new Set<ParameterValue>();
  const replacements: { start: number; end: number; text: string }[] = [];
  const additions: string[] = [];

  for (const value of values) {
    const text = followUp.slice(value.start, value.end);
    const preposition = wordBefore(followUp, value.start);
    const candidates = previousValues.filter(
      (previous) => previous.kind === value.kind && !replaced.has(previous),
    );
    const target =
      candidates.find(
        (previous) =>
          preposition !== undefined &&
          wordBefore(previousQuestion, previous.start) === preposition,
      ) ?? candidates[0];

    if (target) {
      replaced.add(target);
      replacements.push({ start: target.start, end: target.end, text });
      continue;
    }
    const lead =
      preposition !== undefined && prepositions.has(preposition)
        ? preposition
        : defaultPrepositions[value.kind];
    additions.push(lead ? `${lead} ${text}` : text);
  }

  // Replacing from the end keeps the earlier spans valid.
  let rewritten = previousQuestion;
  for (const replacement of replacements.sort((a, b) => b.start - a.start)) {
    rewritten =
      rewritten.slice(0, replacement.start) +
      replacement.text +
      rewritten.slice(replacement.end);
  }
  if (additions.length === 0) {
    return rewritten;
  }
  const ending = /[?.!]\s*$/.exec(rewritten)?.[0] ?? "";
  const body = rewritten.slice(0, rewritten.length - ending.length).trimEnd();
  return `${body} ${additions.join(" ")}${ending.trim()}`;
}

/** Returns the lower-cased word right before `position`, if any. */
function wordBefore(text: string, position: number): string | undefined {
  const match = /([A-Za-z]+)\W*$/.exec(text.slice(0, position));
  return match?.[1]?.toLowerCase();
}

/** The example chosen for a question and the question as Genie understood it. */
export interface ContextualMatch {
  match: ExampleMatch;
  understoodQuestion: string;
}

/**
 * Matches `question` in the context of `previousQuestion`, the last question of the
 * conversation that Genie answered with a query. A question that reads as a follow-up
 * is first rewritten with the previous one. Any other question is first matched on
 * its own, and rewritten only when that finds nothing.
 */
export function matchInConversation(
  question: string,
  previousQuestion: string | undefined,
  examples: readonly GenieExampleQuery[],
  airports: AirportDirectory,
): ContextualMatch | undefined {
  const asFollowUp = (): ContextualMatch | undefined => {
    if (previousQuestion === undefined) {
      return undefined;
    }
    const rewritten = rewriteFollowUp(question, previousQuestion, airports);
    const match =
      rewritten === undefined
        ? undefined
        : matchQuestion(rewritten, examples, airports);
    return match && rewritten
      ? { match, understoodQuestion: rewritten }
      : undefined;
  };
  const onItsOwn = (): ContextualMatch | undefined => {
    const match = matchQuestion(question, examples, airports);
    return match ? { match, understoodQuestion: question } : undefined;
  };

  if (looksLikeFollowUp(question, airports)) {
    return asFollowUp() ?? onItsOwn();
  }
  return onItsOwn() ?? asFollowUp();
}
