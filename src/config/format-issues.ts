import type { z } from "zod";

/**
 * Formats zod issues as one line each: `source: path.to[0].field: message`, so a person
 * can find the value to fix without reading a stack trace.
 */
export function formatIssues(
  source: string | ((path: readonly PropertyKey[]) => string),
  issues: readonly z.core.$ZodIssue[],
): string[] {
  return expandUnions(issues, []).map(({ path, message }) => {
    const written = formatPath(path);
    const origin = typeof source === "string" ? source : source(path);
    return `${origin}: ${written.length > 0 ? written : "(top level)"}: ${message}`;
  });
}

interface FlatIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Replaces each "invalid input" union issue by the issues of the branch that came
 * closest to matching (fewest problems, then the deepest path), so the message names
 * the field that is wrong instead of only the union.
 */
function expandUnions(
  issues: readonly z.core.$ZodIssue[],
  prefix: PropertyKey[],
): FlatIssue[] {
  const flat: FlatIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const closest = [...issue.errors].sort(
        (left, right) =>
          left.length - right.length || deepestPath(right) - deepestPath(left),
      )[0];
      if (closest !== undefined && closest.length > 0) {
        flat.push(...expandUnions(closest, path));
        continue;
      }
    }
    flat.push({ path, message: issue.message });
  }
  return flat;
}

function deepestPath(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((issue) => issue.path.length));
}

/** Writes a path the way JavaScript would address it: `tools.genie[0].spaceId`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") {
      text += `[${segment}]`;
    } else {
      text += text.length === 0 ? String(segment) : `.${String(segment)}`;
    }
  }
  return text;
}
