import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Returns the folder of behalf's package.json, found by walking up from this file, so
 * bundled examples resolve the same from `src/` (tsx) and from `dist/` (built).
 */
export function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (
      existsSync(join(folder, "package.json")) &&
      existsSync(join(folder, "examples"))
    ) {
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error("Cannot find behalf's package folder above this module.");
    }
    folder = parent;
  }
}
