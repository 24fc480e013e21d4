import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { TableDefinition } from "../contracts.js";

/** A table source that is a file, as opposed to inline rows or a query. */
export type FileSource = Extract<
  TableDefinition["source"],
  { format: unknown }
>;

/** Returns true when `source` names a file. */
export function isFileSource(
  source: TableDefinition["source"],
): source is FileSource {
  return "format" in source;
}

/** Thrown when a table's source file cannot be found. The message names the path it tried. */
export class SourceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceFileError";
  }
}

/**
 * Returns the absolute path of a table's source file. A `package` source is looked up
 * from `baseDirectory` first and then from the local workspace's own dependencies;
 * a plain `path` is relative to `baseDirectory`.
 */
export function resolveSourceFile(
  source: FileSource,
  baseDirectory: string,
): string {
  if (!("package" in source)) {
    const file = resolve(baseDirectory, source.path);
    if (!existsSync(file)) {
      throw new SourceFileError(
        `file not found: ${file}; the path is relative to the definition file's folder`,
      );
    }
    return file;
  }

  const packageRoot = findPackageRoot(source.package, baseDirectory);
  const file = resolve(packageRoot, source.path);
  const inside = relative(packageRoot, file);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    throw new SourceFileError(
      `path "${source.path}" leaves the package folder ${packageRoot}; use a path inside the package`,
    );
  }
  if (!existsSync(file)) {
    throw new SourceFileError(
      `file not found: ${file}; check the path inside package ${source.package}`,
    );
  }
  return file;
}

/**
 * Returns the folder of an installed npm package, looked up from `baseDirectory` first
 * and then from the local workspace's own dependencies.
 */
export function findPackageRoot(
  packageName: string,
  baseDirectory: string,
): string {
  const lookupOrigins = [join(baseDirectory, "index.js"), import.meta.filename];

  for (const origin of lookupOrigins) {
    let entry: string;
    try {
      entry = createRequire(origin).resolve(packageName);
    } catch {
      continue;
    }
    // The entry point may sit deep inside the package (for example build/index.js),
    // so walk up to the folder whose package.json carries the package name.
    for (let folder = dirname(entry); ; folder = dirname(folder)) {
      if (readPackageName(join(folder, "package.json")) === packageName) {
        return folder;
      }
      if (dirname(folder) === folder) {
        break;
      }
    }
  }

  throw new SourceFileError(
    `package "${packageName}" is not installed where ${baseDirectory} or the local workspace can find it; install it with npm`,
  );
}

function readPackageName(manifestPath: string): string | undefined {
  if (!existsSync(manifestPath)) {
    return undefined;
  }
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      name?: unknown;
    };
    return typeof manifest.name === "string" ? manifest.name : undefined;
  } catch {
    return undefined;
  }
}
