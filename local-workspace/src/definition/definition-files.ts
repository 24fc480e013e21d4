/**
 * Reads definition files and resolves `extends`: a file may name another definition file
 * that it adds to. Lists (users, tables, grants, ...) are the base file's entries followed
 * by the file's own; other fields (workspaceId, app) replace the base file's.
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, relative, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import {
  type DefinitionProblem,
  WorkspaceDefinitionError,
} from "./definition-error.js";

/** A run of entries of one top-level list, or a whole field, and the file it came from. */
interface Origin {
  source: string;
  /** First index of the run in the merged list; 0 for fields that are not lists. */
  start: number;
  count: number;
}

/** The merged, not yet validated content of a definition file and the files it extends. */
export interface DefinitionDocument {
  value: Record<string, unknown>;
  /** Origins of each top-level field, in merged order. */
  origins: Map<string, Origin[]>;
}

/**
 * Reads `absolutePath` and, recursively, the files it extends. Relative table source
 * paths of extended files are rewritten to stay correct from this file's folder.
 * Throws `WorkspaceDefinitionError` for unreadable or unparsable files, a value that is
 * not an object, or a cycle of `extends`.
 */
export async function readDefinitionDocument(
  absolutePath: string,
  chain: readonly string[] = [],
): Promise<DefinitionDocument> {
  const source = displayPath(absolutePath);
  if (chain.includes(absolutePath)) {
    const cycle = [...chain, absolutePath].map(displayPath).join(" -> ");
    throw new WorkspaceDefinitionError(source, [
      {
        path: "extends",
        message: `extends forms a cycle (${cycle}); remove one of the extends fields`,
      },
    ]);
  }

  const parsed = parseText(
    await readText(absolutePath, source),
    extname(absolutePath).toLowerCase(),
    source,
  );
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WorkspaceDefinitionError(source, [
      { path: "", message: "expected an object with fields such as users" },
    ]);
  }

  const { extends: basePath, ...own } = parsed as Record<string, unknown>;
  const ownOrigins = originsOf(own, source);
  if (basePath === undefined) {
    return { value: own, origins: ownOrigins };
  }
  if (typeof basePath !== "string" || basePath === "") {
    throw new WorkspaceDefinitionError(source, [
      {
        path: "extends",
        message:
          "expected the path of another definition file, relative to this file's folder",
      },
    ]);
  }

  const baseAbsolutePath = resolve(dirname(absolutePath), basePath);
  const base = await readDefinitionDocument(baseAbsolutePath, [
    ...chain,
    absolutePath,
  ]);
  rebaseRelativeSources(base.value, dirname(baseAbsolutePath), absolutePath);
  return mergeDocuments(base, own, source);
}

function mergeDocuments(
  base: DefinitionDocument,
  own: Record<string, unknown>,
  source: string,
): DefinitionDocument {
  const value: Record<string, unknown> = { ...base.value };
  const origins = new Map(base.origins);

  for (const [key, ownValue] of Object.entries(own)) {
    const baseValue = base.value[key];
    if (Array.isArray(baseValue) && Array.isArray(ownValue)) {
      value[key] = [...baseValue, ...ownValue];
      origins.set(key, [
        ...(base.origins.get(key) ?? []),
        { source, start: baseValue.length, count: ownValue.length },
      ]);
    } else {
      value[key] = ownValue;
      const count = Array.isArray(ownValue) ? ownValue.length : 0;
      origins.set(key, [{ source, start: 0, count }]);
    }
  }
  return { value, origins };
}

function originsOf(
  value: Record<string, unknown>,
  source: string,
): Map<string, Origin[]> {
  return new Map(
    Object.entries(value).map(([key, field]) => [
      key,
      [{ source, start: 0, count: Array.isArray(field) ? field.length : 0 }],
    ]),
  );
}

/**
 * Rewrites `tables[].source.path` of files (not package files) from `baseDirectory` to
 * the folder of `extendingFile`, so the loader can resolve every path from one folder.
 */
function rebaseRelativeSources(
  value: Record<string, unknown>,
  baseDirectory: string,
  extendingFile: string,
): void {
  if (!Array.isArray(value.tables)) {
    return;
  }
  value.tables = value.tables.map((table: unknown) => {
    const source = (table as { source?: unknown } | null)?.source as
      | Record<string, unknown>
      | undefined;
    if (
      typeof source?.path !== "string" ||
      "package" in source ||
      isAbsolute(source.path)
    ) {
      return table;
    }
    const path = relative(
      dirname(extendingFile),
      resolve(baseDirectory, source.path),
    );
    return { ...(table as object), source: { ...source, path } };
  });
}

/**
 * Names the file each problem's path belongs to and renumbers list indexes within that
 * file, so `tables[4]` of the merged definition reads as `tables[1]` of the file that
 * wrote it.
 */
export function attributeProblems(
  problems: readonly DefinitionProblem[],
  origins: ReadonlyMap<string, readonly Origin[]>,
): DefinitionProblem[] {
  return problems.map((problem) => {
    const match = /^([A-Za-z]+)(?:\[(\d+)\])?(.*)$/.exec(problem.path);
    const key = match?.[1];
    const keyOrigins = key === undefined ? undefined : origins.get(key);
    if (match === null || keyOrigins === undefined) {
      return problem;
    }

    const index = match[2] === undefined ? undefined : Number(match[2]);
    if (index === undefined) {
      return { ...problem, source: keyOrigins.at(-1)?.source };
    }
    const origin = keyOrigins.find(
      (candidate) =>
        index >= candidate.start && index < candidate.start + candidate.count,
    );
    if (origin === undefined) {
      return problem;
    }
    return {
      ...problem,
      path: `${key}[${index - origin.start}]${match[3]}`,
      source: origin.source,
    };
  });
}

async function readText(absolutePath: string, source: string): Promise<string> {
  try {
    return await readFile(absolutePath, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkspaceDefinitionError(source, [
      {
        path: "",
        message: `cannot read the file (${reason}); check the path`,
      },
    ]);
  }
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

/** Returns the path relative to the working directory when inside it, else absolute. */
export function displayPath(absolutePath: string): string {
  const fromWorkingDirectory = relative(process.cwd(), absolutePath);
  if (
    fromWorkingDirectory.startsWith("..") ||
    isAbsolute(fromWorkingDirectory)
  ) {
    return absolutePath;
  }
  return fromWorkingDirectory;
}
