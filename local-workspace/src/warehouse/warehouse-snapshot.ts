/**
 * Snapshots of a built warehouse: the PGlite data directory as a tar file, named by a
 * fingerprint of everything the database is built from. A start that finds a snapshot
 * with its fingerprint loads it instead of running initdb and loading the tables. A
 * change to the definition, a data file or the warehouse code changes the fingerprint,
 * so the next start builds and writes a new snapshot.
 */
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { WorkspaceDefinition } from "../contracts.js";
import {
  findPackageRoot,
  isFileSource,
  resolveSourceFile,
} from "../definition/source-files.js";
import type { Logger } from "../logger.js";

/** Snapshots kept per data directory; older ones are deleted after a new one is written. */
const keptSnapshots = 3;

const snapshotPattern = /^warehouse-[0-9a-f]{24}\.tar$/;

/** Folders whose code decides what the database contains. */
const codeFolders = [
  import.meta.dirname,
  join(import.meta.dirname, "..", "definition"),
];

/**
 * Returns a hex fingerprint of everything the database is built from. That is the part
 * of `definition` the database contains (principals, catalogs, tables, grants, row
 * filters and masks, not Genie spaces or other resources), the content of each table
 * source file, this code and the PGlite version.
 */
export async function warehouseFingerprint(
  definition: WorkspaceDefinition,
  baseDirectory: string,
): Promise<string> {
  const hash = createHash("sha256");
  hash.update(
    JSON.stringify([
      definition.users,
      definition.groups,
      definition.servicePrincipals,
      definition.catalogs ?? [],
      definition.tables,
      definition.grants,
      definition.rowFilters,
      definition.columnMasks ?? [],
    ]),
  );

  for (const table of definition.tables) {
    if (isFileSource(table.source)) {
      const file = resolveSourceFile(table.source, baseDirectory);
      hash.update(`\0${table.name}\0`);
      for await (const chunk of createReadStream(file)) {
        hash.update(chunk as Buffer);
      }
    }
  }

  hash.update(codeFingerprint());
  return hash.digest("hex").slice(0, 24);
}

let cachedCodeFingerprint: string | undefined;

/** Hashes the non-test source files of the warehouse and definition code and the PGlite version. */
function codeFingerprint(): string {
  if (cachedCodeFingerprint !== undefined) {
    return cachedCodeFingerprint;
  }
  const hash = createHash("sha256");
  for (const folder of codeFolders) {
    const files = readdirSync(folder)
      .filter((file) => /\.(ts|js)$/.test(file) && !/\.test\./.test(file))
      .sort();
    for (const file of files) {
      hash.update(`\0${file}\0`);
      hash.update(readFileSync(join(folder, file)));
    }
  }
  const pgliteRoot = findPackageRoot(
    "@electric-sql/pglite",
    import.meta.dirname,
  );
  hash.update(readFileSync(join(pgliteRoot, "package.json")));
  cachedCodeFingerprint = hash.digest("hex");
  return cachedCodeFingerprint;
}

/** Returns the snapshot file for `fingerprint` in `directory`. */
export function snapshotPath(directory: string, fingerprint: string): string {
  return join(directory, `warehouse-${fingerprint}.tar`);
}

/**
 * Reads the snapshot for `fingerprint`, or returns undefined when there is none. Marks
 * it as used, so pruning keeps the snapshots used most recently.
 */
export async function readSnapshot(
  directory: string,
  fingerprint: string,
): Promise<Blob | undefined> {
  const file = snapshotPath(directory, fingerprint);
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
  const now = new Date();
  await utimes(file, now, now);
  return new Blob([
    // readFile never returns a Buffer over a SharedArrayBuffer.
    new Uint8Array(
      content.buffer as ArrayBuffer,
      content.byteOffset,
      content.byteLength,
    ),
  ]);
}

/**
 * Writes a snapshot through a temporary file and a rename, so a concurrent start never
 * reads a partial file, then deletes all but the most recently used snapshots. Returns
 * the snapshot's path.
 */
export async function writeSnapshot(
  directory: string,
  fingerprint: string,
  snapshot: Blob,
): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = snapshotPath(directory, fingerprint);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.from(await snapshot.arrayBuffer()));
  await rename(temporary, file);
  await pruneSnapshots(directory);
  return file;
}

/** Deletes a snapshot that could not be loaded, so the next start does not try it again. */
export async function deleteSnapshot(
  directory: string,
  fingerprint: string,
): Promise<void> {
  await rm(snapshotPath(directory, fingerprint), { force: true });
}

async function pruneSnapshots(directory: string): Promise<void> {
  const names = (await readdir(directory)).filter((name) =>
    snapshotPattern.test(name),
  );
  const snapshots = await Promise.all(
    names.map(async (name) => ({
      file: join(directory, name),
      usedAt: (await stat(join(directory, name))).mtimeMs,
    })),
  );
  snapshots.sort((first, second) => second.usedAt - first.usedAt);
  for (const old of snapshots.slice(keptSnapshots)) {
    await rm(old.file, { force: true });
  }
}

/**
 * Starts PGlite from the snapshot for `fingerprint`, or returns undefined when there is
 * none or it cannot be loaded. A snapshot that fails to load is logged and deleted.
 */
export async function loadSnapshot(
  dataDirectory: string,
  fingerprint: string,
  logger: Logger | undefined,
): Promise<{ database: PGlite; file: string } | undefined> {
  const snapshot = await readSnapshot(dataDirectory, fingerprint);
  if (snapshot === undefined) {
    return undefined;
  }
  const file = snapshotPath(dataDirectory, fingerprint);
  let database: PGlite | undefined;
  try {
    database = await PGlite.create({ loadDataDir: snapshot });
    await database.query("SELECT 1");
    return { database, file };
  } catch (error) {
    if (database !== undefined && !database.closed) {
      await database.close();
    }
    logger?.warn(
      { err: error, snapshot: file },
      "warehouse snapshot could not be loaded; deleting it and building the warehouse",
    );
    await deleteSnapshot(dataDirectory, fingerprint);
    return undefined;
  }
}

/**
 * Dumps `database` and writes it as the snapshot for `fingerprint`, returning the file.
 * A failure is logged and returns undefined, because the running warehouse works without.
 */
export async function saveSnapshot(
  database: PGlite,
  dataDirectory: string,
  fingerprint: string,
  logger: Logger | undefined,
): Promise<string | undefined> {
  try {
    const snapshot = await database.dumpDataDir("none");
    return await writeSnapshot(dataDirectory, fingerprint, snapshot);
  } catch (error) {
    logger?.warn(
      { err: error, dataDirectory },
      "warehouse snapshot could not be written; the next start builds the warehouse again",
    );
    return undefined;
  }
}
