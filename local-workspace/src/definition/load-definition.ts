import { dirname, resolve } from "node:path";
import type { WorkspaceDefinition } from "../contracts.js";
import { crossCheckDefinition } from "./cross-checks.js";
import {
  type DefinitionProblem,
  WorkspaceDefinitionError,
} from "./definition-error.js";
import {
  attributeProblems,
  displayPath,
  readDefinitionDocument,
} from "./definition-files.js";
import { workspaceDefinitionSchema } from "./schema.js";
import { describeSchemaIssues } from "./schema-issues.js";
import {
  isFileSource,
  resolveSourceFile,
  SourceFileError,
} from "./source-files.js";

/** A validated definition with what is needed to load its tables. */
export interface LoadedWorkspaceDefinition {
  definition: WorkspaceDefinition;
  /** File path (relative to the working directory when inside it) or a label. */
  source: string;
  /** Folder that relative table source paths start from. */
  baseDirectory: string;
}

/**
 * Validates `value` against the definition schema and the cross-checks. `source` names
 * the definition in error messages. Throws `WorkspaceDefinitionError` listing every
 * problem.
 */
export function parseWorkspaceDefinition(
  value: unknown,
  source: string,
): WorkspaceDefinition {
  const result = workspaceDefinitionSchema.safeParse(value, {
    reportInput: true,
  });
  if (!result.success) {
    throw new WorkspaceDefinitionError(
      source,
      describeSchemaIssues(result.error.issues),
    );
  }

  const problems = crossCheckDefinition(result.data);
  if (problems.length > 0) {
    throw new WorkspaceDefinitionError(source, problems);
  }
  return result.data;
}

/**
 * Validates an in-memory definition, including that its table source files exist.
 * Relative source paths start from `baseDirectory`.
 */
export function prepareWorkspaceDefinition(
  value: unknown,
  source: string,
  baseDirectory: string,
): LoadedWorkspaceDefinition {
  const definition = parseWorkspaceDefinition(value, source);

  const problems: DefinitionProblem[] = [];
  definition.tables.forEach((table, index) => {
    if (!isFileSource(table.source)) {
      return;
    }
    try {
      resolveSourceFile(table.source, baseDirectory);
    } catch (error) {
      if (!(error instanceof SourceFileError)) {
        throw error;
      }
      problems.push({
        path: `tables[${index}].source`,
        message: error.message,
      });
    }
  });
  if (problems.length > 0) {
    throw new WorkspaceDefinitionError(source, problems);
  }

  return { definition, source, baseDirectory };
}

/**
 * Reads a definition from a YAML (`.yaml`, `.yml`) or JSON (`.json`) file, with the
 * files it extends, and validates it. Throws `WorkspaceDefinitionError` for unreadable,
 * unparsable or invalid files; each problem names the file it is in.
 */
export async function loadWorkspaceDefinition(
  filePath: string,
): Promise<LoadedWorkspaceDefinition> {
  const absolutePath = resolve(filePath);
  const source = displayPath(absolutePath);
  const document = await readDefinitionDocument(absolutePath);

  try {
    return prepareWorkspaceDefinition(
      document.value,
      source,
      dirname(absolutePath),
    );
  } catch (error) {
    if (!(error instanceof WorkspaceDefinitionError)) {
      throw error;
    }
    throw new WorkspaceDefinitionError(
      source,
      attributeProblems(error.problems, document.origins),
    );
  }
}
