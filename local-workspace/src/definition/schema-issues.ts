import type { z } from "zod";
import { type DefinitionProblem, formatFieldPath } from "./definition-error.js";

type Issue = z.core.$ZodIssue;

/**
 * Converts zod issues (parsed with `reportInput: true`) into problems that name the
 * field, the expected value and the value found.
 */
export function describeSchemaIssues(
  issues: readonly Issue[],
  parentPath: readonly PropertyKey[] = [],
): DefinitionProblem[] {
  return issues.flatMap((issue) => describeIssue(issue, parentPath));
}

function describeIssue(
  issue: Issue,
  parentPath: readonly PropertyKey[],
): DefinitionProblem[] {
  const path = [...parentPath, ...issue.path];

  switch (issue.code) {
    case "invalid_union":
      return describeUnion(issue, path);
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: formatFieldPath([...path, key]),
        message:
          "unknown field; remove it or correct its spelling (field names are case-sensitive)",
      }));
    default:
      return [{ path: formatFieldPath(path), message: describeProblem(issue) }];
  }
}

/**
 * Reports the union member that came closest to matching: the one with the fewest
 * issues, preferring issues deeper in the value, which show the author's intent.
 */
function describeUnion(
  issue: Extract<Issue, { code: "invalid_union" }>,
  path: PropertyKey[],
): DefinitionProblem[] {
  const branches = issue.errors.filter((branch) => branch.length > 0);
  if (branches.length === 0) {
    return [{ path: formatFieldPath(path), message: issue.message }];
  }

  const depth = (branch: Issue[]) =>
    Math.max(...branch.map((candidate) => candidate.path.length));
  const closest = branches.reduce((best, branch) => {
    if (branch.length !== best.length) {
      return branch.length < best.length ? branch : best;
    }
    return depth(branch) > depth(best) ? branch : best;
  });

  return describeSchemaIssues(closest, path);
}

function describeProblem(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) {
        return `missing; add ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected} value`;
      }
      return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case "invalid_value":
      return `expected ${describeChoices(issue.values)}, got ${describeValue(issue.input)}`;
    case "invalid_format":
      return `${issue.message}, got ${describeValue(issue.input)}`;
    case "too_small":
      return describeTooSmall(issue);
    case "too_big":
      return issue.origin === "string"
        ? `must be at most ${issue.maximum} characters long, got ${describeValue(issue.input)}`
        : `must have at most ${issue.maximum} entries`;
    default:
      return issue.message;
  }
}

function describeTooSmall(
  issue: Extract<Issue, { code: "too_small" }>,
): string {
  if (issue.origin === "string") {
    return "must not be empty";
  }
  if (issue.origin === "array") {
    return issue.minimum === 1
      ? "must list at least one entry"
      : `must list at least ${issue.minimum} entries`;
  }
  return `must be at least ${issue.minimum}`;
}

function describeChoices(values: readonly unknown[]): string {
  if (values.length === 1) {
    return describeValue(values[0]);
  }
  return `one of ${values.map(String).join(", ")}`;
}

/** Shows a found value briefly: strings quoted, objects and arrays by kind. */
function describeValue(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "a list";
  }
  if (typeof value === "object") {
    return "an object";
  }
  if (typeof value === "string") {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  return `${typeof value} ${String(value)}`;
}
