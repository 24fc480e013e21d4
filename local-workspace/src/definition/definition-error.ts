/** One thing wrong with a workspace definition, at a field path such as `users[0].groups[1]`. */
export interface DefinitionProblem {
  path: string;
  /** Description of the problem and how to fix it. */
  message: string;
  /** File the path belongs to, when it differs from the definition's own (see `extends`). */
  source?: string;
}

/**
 * A workspace definition that cannot be used. It lists every problem found, each as
 * `file: path: message`, so one run shows everything to fix.
 */
export class WorkspaceDefinitionError extends Error {
  /** File path or label of the definition. */
  readonly source: string;
  readonly problems: readonly DefinitionProblem[];

  constructor(source: string, problems: readonly DefinitionProblem[]) {
    const lines = problems.map((problem) => formatProblem(source, problem));
    const count =
      problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      `The workspace definition ${source} is invalid (${count}):\n${lines.join("\n")}`,
    );
    this.name = "WorkspaceDefinitionError";
    this.source = source;
    this.problems = problems;
  }

  /** Returns each problem as one `file: path: message` line. */
  problemLines(): string[] {
    return this.problems.map((problem) => formatProblem(this.source, problem));
  }
}

function formatProblem(
  definitionSource: string,
  problem: DefinitionProblem,
): string {
  const source = problem.source ?? definitionSource;
  return problem.path === ""
    ? `${source}: ${problem.message}`
    : `${source}: ${problem.path}: ${problem.message}`;
}

/** Formats path segments as `genieSpaces[0].exampleQueries[2].sql`. */
export function formatFieldPath(segments: readonly PropertyKey[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") {
      path += `[${segment}]`;
    } else {
      path += path === "" ? String(segment) : `.${String(segment)}`;
    }
  }
  return path;
}
