import type { z } from "zod";

/**
 * Formats zod issues as one line each: `source: path.to[0].field: message`, so a person
 * can find the value to fix without reading a stack trace.
 */
export function formatIssues(
  source: string,
  issues: readonly z.core.$ZodIssue[],
): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    return `${source}: ${path.length > 0 ? path : "(top level)"}: ${issue.message}`;
  });
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
