import { join } from "node:path";
import { z } from "zod";
import { workspaceDefinitionSchema } from "./schema.js";

/** The published JSON Schema, which editors use to validate definition files. */
export const jsonSchemaFile = join(
  import.meta.dirname,
  "..",
  "..",
  "schema",
  "workspace-definition.schema.json",
);

/** The command that rewrites `jsonSchemaFile` after the zod schema changes. */
export const writeJsonSchemaCommand =
  "npx tsx local-workspace/src/definition/write-json-schema.ts";

/**
 * Returns the JSON Schema of a definition file, generated from the zod schema. A file
 * may also name a file it extends; such a file needs none of the required fields, which
 * the extended file provides.
 */
export function workspaceDefinitionJsonSchema(): Record<string, unknown> {
  const fileSchema = workspaceDefinitionSchema.extend({
    extends: z
      .string()
      .min(1)
      .optional()
      .describe(
        "path of a definition file to add to, relative to this file; its lists come first and this file's other fields replace its fields",
      ),
  });
  const { required, ...generated } = z.toJSONSchema(fileSchema, {
    io: "input",
    target: "draft-2020-12",
  }) as Record<string, unknown>;

  return {
    ...generated,
    title: "Local workspace definition",
    description: `Users, groups, tables, grants, row filters, column masks, Genie spaces and other resources of a behalf local workspace. Generated from the zod schema by ${writeJsonSchemaCommand}; do not edit by hand.`,
    anyOf: [{ required: ["extends"] }, { required }],
  };
}
