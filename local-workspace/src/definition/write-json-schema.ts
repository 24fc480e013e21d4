/**
 * Writes the JSON Schema of workspace definition files, generated from the zod schema,
 * and formats it with Biome as `npm run lint` expects. Run it after changing the schema;
 * a test fails while the file is out of date.
 */
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, relative } from "node:path";
import {
  jsonSchemaFile,
  workspaceDefinitionJsonSchema,
} from "./json-schema.js";

await mkdir(dirname(jsonSchemaFile), { recursive: true });
await writeFile(
  jsonSchemaFile,
  JSON.stringify(workspaceDefinitionJsonSchema(), null, 2),
);
const formatted = spawnSync(
  "npx",
  ["biome", "format", "--write", jsonSchemaFile],
  {
    stdio: "inherit",
  },
);
if (formatted.status !== 0) {
  process.stderr.write(
    `Wrote ${jsonSchemaFile}, but biome format failed; run npx biome format --write on it.\n`,
  );
  process.exit(1);
}
process.stdout.write(`Wrote ${relative(process.cwd(), jsonSchemaFile)}\n`);
