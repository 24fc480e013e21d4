import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, relative, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { WorkspaceDefinition } from "../contracts.js";
import { crossCheckDefinition } from "./cross-checks.js";
import {
  type DefinitionProblem,
  WorkspaceDefinitionError,
} from "./definition-error.js";
import { workspaceDefinitionSchema } from "./schema.js";
import { describeSchemaIssues } from "./schema-issues.js";
import { resolveSourceFile, SourceFileError } from "./source-files.js";

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
    if ("rows" in table.source) {
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
 * Reads a definition from a YAML (`.yaml`, `.yml`) or JSON (`.json`) file and validates
 * it. Throws `WorkspaceDefinitionError` for unreadable, unparsable or invalid files.
 */
export async function loadWorkspaceDefinition(
  filePath: string,
): Promise<LoadedWorkspaceDefinition> {
  const absolutePath = resolve(filePath);
  const source = displayPath(absolutePath);

  let text: string;
  try {
    text = await readFile(absolutePath, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkspaceDefinitionError(source, [
      {
        path: "",
        message: `cannot read the file (${reason}); check the path`,
      },
    ]);
  }

  const value = parseText(text, extname(absolutePath).toLowerCase(), source);
  return prepareWorkspaceDefinition(value, source, dirname(absolutePath));
}

function parseText(text: string, extension: string, source: string): unknown {
  if (extension === ".json") {
    try {
      return JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new WorkspaceDefinitionError(source, [
        { path: "", message: `invalid JSON: ${reason}` },
      ]);
    }
  }

  if (extension !== ".yaml" && extension !== ".yml") {
    throw new WorkspaceDefinitionError(source, [
      {
        path: "",
        message: `unsupported file extension "${extension}"; use .yaml, .yml or .json`,
      },
    ]);
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new WorkspaceDefinitionError(
      source,
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return {
          path: "",
          message: `invalid YAML: line ${line}, column ${col}: ${error.message}`,
        };
      }),
    );
  }
  return document.toJS();
}

function displayPath(absolutePath: string): string {
  const fromWorkingDirectory = relative(process.cwd(), absolutePath);
  if (
    fromWorkingDirectory.startsWith("..") ||
    isAbsolute(fromWorkingDirectory)
  ) {
    return absolutePath;
  }
  return fromWorkingDirectory;
}
