import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  jsonSchemaFile,
  workspaceDefinitionJsonSchema,
  writeJsonSchemaCommand,
} from "./json-schema.js";
import { repositoryRoot } from "./test-support.js";

describe("published JSON Schema", () => {
  it("matches the zod schema", async () => {
    const published: unknown = JSON.parse(
      await readFile(jsonSchemaFile, "utf8"),
    );

    expect(
      published,
      `${relative(repositoryRoot, jsonSchemaFile)} is out of date; run ${writeJsonSchemaCommand}`,
    ).toEqual(workspaceDefinitionJsonSchema());
  });

  it("describes the sections of a definition", () => {
    const schema = workspaceDefinitionJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    };

    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "users",
        "groups",
        "servicePrincipals",
        "catalogs",
        "tables",
        "grants",
        "rowFilters",
        "columnMasks",
        "genieSpaces",
        "servingEndpoints",
        "warehouses",
        "app",
        "extends",
      ]),
    );
    expect(schema.additionalProperties).toBe(false);
  });

  it.each(["local-workspace.yaml", "local-workspace-flights-3m.yaml"])(
    "is referenced by examples/%s",
    async (name) => {
      const text = await readFile(
        join(repositoryRoot, "examples", name),
        "utf8",
      );
      const reference = /^# yaml-language-server: \$schema=(\S+)$/m.exec(
        text,
      )?.[1];

      expect(reference).toBeDefined();
      expect(join(repositoryRoot, "examples", reference ?? "")).toBe(
        jsonSchemaFile,
      );
    },
  );
});
