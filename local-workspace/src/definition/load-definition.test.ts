import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { WorkspaceDefinition } from "../contracts.js";
import { WorkspaceDefinitionError } from "./definition-error.js";
import {
  loadWorkspaceDefinition,
  parseWorkspaceDefinition,
} from "./load-definition.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const demoPath = join(repositoryRoot, "examples", "local-workspace.yaml");

let demo: WorkspaceDefinition;
let folder: string;

beforeAll(async () => {
  demo = (await loadWorkspaceDefinition(demoPath)).definition;
  folder = await mkdtemp(join(tmpdir(), "definition-test-"));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Returns a deep copy of the demo definition for a test to break. */
function demoCopy(): WorkspaceDefinition {
  return structuredClone(demo);
}

/** Returns the problem lines of the error `action` throws. */
function problemLines(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkspaceDefinitionError);
    return (error as WorkspaceDefinitionError).problemLines();
  }
  throw new Error(
    "expected a WorkspaceDefinitionError, but nothing was thrown",
  );
}

describe("demo definition", () => {
  it("loads with every section filled", () => {
    expect(demo.workspaceId).toBe("1234567890123456");
    expect(demo.users.map((user) => user.userName)).toEqual([
      "alice@example.com",
      "bob@example.com",
      "carol@example.com",
      "dave@example.com",
      "erin@example.com",
    ]);
    expect(demo.tables.map((table) => table.name)).toEqual([
      "samples.aviation.flights",
      "samples.aviation.airports",
      "samples.aviation.region_states",
      "samples.aviation.bird_strikes",
    ]);
    expect(demo.genieSpaces[0]?.exampleQueries).toHaveLength(11);
    expect(demo.genieSpaces[1]?.tables).toEqual([
      "samples.aviation.bird_strikes",
      "samples.aviation.region_states",
    ]);
    expect(demo.columnMasks?.map((mask) => mask.column)).toEqual([
      "cost_repair",
      "cost_other",
      "cost_total",
    ]);
    expect(demo.servicePrincipals[0]?.applicationId).toBe(
      "6f1c0d52-4b7e-4d0e-9a51-3c2b7f5e8a10",
    );
  });

  it("maps 51 states and DC to the four regions", () => {
    const source = demo.tables[2]?.source;
    const rows = source !== undefined && "rows" in source ? source.rows : [];
    expect(rows).toHaveLength(51);
    expect(new Set(rows.map((row) => row.state)).size).toBe(51);
  });
});

describe("schema errors", () => {
  it("name the file, path and field of a misspelt parameter kind", async () => {
    const definition = demoCopy() as unknown as {
      genieSpaces: { exampleQueries: { parameters: { kind: string }[] }[] }[];
    };
    const parameter =
      definition.genieSpaces[0]?.exampleQueries[1]?.parameters[0];
    if (parameter === undefined) {
      throw new Error("the demo's second example query has no parameter");
    }
    parameter.kind = "airprot";
    const file = join(folder, "misspelt.yaml");
    await writeFile(file, stringify(definition));

    const error = await loadWorkspaceDefinition(file).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(WorkspaceDefinitionError);
    expect((error as WorkspaceDefinitionError).problemLines()).toEqual([
      `${file}: genieSpaces[0].exampleQueries[1].parameters[0].kind: expected one of month, airport, state, integer, got "airprot"`,
    ]);
  });

  it("list every problem at once", () => {
    const definition = demoCopy() as unknown as Record<string, unknown> & {
      users: Record<string, unknown>[];
      tables: { columns: Record<string, unknown>[] }[];
    };
    delete definition.users[0]?.displayName;
    (definition.users[1] as Record<string, unknown>).grups = ["users"];
    (definition.tables[0]?.columns[1] as Record<string, unknown>).type =
      "INTEGER";
    definition.workspaceId = 1234;

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "broken.yaml"),
    );

    expect(lines).toContain(
      "broken.yaml: users[0].displayName: missing; add a string value",
    );
    expect(lines).toContain(
      "broken.yaml: users[1].grups: unknown field; remove it or correct its spelling (field names are case-sensitive)",
    );
    expect(lines).toContain(
      'broken.yaml: tables[0].columns[1].type: expected one of STRING, INT, LONG, DOUBLE, DECIMAL, BOOLEAN, DATE, TIMESTAMP, got "INTEGER"',
    );
    expect(lines).toContain(
      "broken.yaml: workspaceId: expected string, got number 1234",
    );
    expect(lines).toHaveLength(4);
  });

  it("report the closest table source shape", () => {
    const definition = demoCopy();
    const table = definition.tables[0] as { source: Record<string, unknown> };
    table.source = { format: "xml", package: "vega-datasets", path: "x" };

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "source.yaml"),
    );

    expect(lines).toEqual([
      'source.yaml: tables[0].source.format: expected one of json, csv, parquet, got "xml"',
    ]);
  });
});

describe("cross-check errors", () => {
  it("name unknown groups, principals, tables and warehouses", () => {
    const definition = demoCopy();
    definition.users[0]?.groups.push("region_wets");
    if (definition.grants[0] !== undefined) {
      definition.grants[0].principal = "nobody";
    }
    if (definition.rowFilters[0] !== undefined) {
      definition.rowFilters[0].table = "samples.aviation.flight";
    }
    const space = definition.genieSpaces[0];
    if (space !== undefined) {
      space.tables.push("samples.aviation.routes");
      space.warehouseId = "0000";
    }

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "refs.yaml"),
    );

    expect(lines).toEqual([
      expect.stringMatching(
        /^refs\.yaml: users\[0\]\.groups\[2\]: unknown group "region_wets"; add it under groups or use one of: users, /,
      ),
      'refs.yaml: grants[0].principal: unknown principal "nobody"; use a user name, group name or service principal application id from this file',
      'refs.yaml: rowFilters[0].table: unknown table "samples.aviation.flight"; use a table defined under tables',
      'refs.yaml: genieSpaces[0].warehouseId: unknown warehouse "0000"; use the id of a warehouse under warehouses',
      'refs.yaml: genieSpaces[0].tables[3]: unknown table "samples.aviation.routes"; use a table defined under tables',
    ]);
  });

  it("match parameter markers with declared parameters", () => {
    const definition = demoCopy();
    const example = definition.genieSpaces[0]?.exampleQueries[1];
    if (example === undefined) {
      throw new Error("the demo has no second example query");
    }
    example.sql = `${example.sql} AND origin = :airport -- not :comment\n AND ':quoted' <> ''`;
    example.parameters = [
      { name: "month", kind: "month" },
      { name: "state", kind: "state" },
    ];

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "markers.yaml"),
    );

    expect(lines).toEqual([
      "markers.yaml: genieSpaces[0].exampleQueries[1].sql: uses the marker :airport, which is not declared; add {name: airport, kind: ...} to genieSpaces[0].exampleQueries[1].parameters",
      'markers.yaml: genieSpaces[0].exampleQueries[1].parameters[1].name: parameter "state" does not appear as :state in the SQL; use it or remove the declaration',
    ]);
  });

  it("reject duplicate names across principals", () => {
    const definition = demoCopy();
    definition.groups.push({ name: "Alice@example.com" });
    definition.tables.push(structuredClone(definition.tables[0] as never));

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "duplicates.yaml"),
    );

    expect(lines).toEqual([
      expect.stringMatching(
        /^duplicates\.yaml: groups\[8\]\.name: duplicate principal name .*"alice@example\.com", already used at users\[0\]\.userName/,
      ),
      'duplicates.yaml: tables[4].name: duplicate table name "samples.aviation.flights", already used at tables[0].name; give each one a unique name',
    ]);
  });

  it("reject group cycles and privileges on the wrong level", () => {
    const definition = demoCopy();
    definition.groups.push(
      { name: "team_a", groups: ["team_b"] },
      { name: "team_b", groups: ["team_a"] },
    );
    definition.grants.push({
      principal: "finance",
      privileges: ["USE CATALOG"],
      securable: "samples.aviation",
    });

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "cycles.yaml"),
    );

    expect(lines).toEqual([
      'cycles.yaml: groups[8].groups: group "team_a" belongs to itself through its parent groups; remove one membership to break the cycle',
      'cycles.yaml: groups[9].groups: group "team_b" belongs to itself through its parent groups; remove one membership to break the cycle',
      "cycles.yaml: grants[30].privileges[0]: USE CATALOG cannot be granted on a schema; grant it on a catalog",
    ]);
  });
});

describe("file errors", () => {
  it("report YAML syntax errors with their line", async () => {
    const file = join(folder, "syntax.yaml");
    await writeFile(file, "workspaceId: '1'\nusers: [\n");

    const error = await loadWorkspaceDefinition(file).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(WorkspaceDefinitionError);
    expect((error as Error).message).toMatch(
      new RegExp(`${file}: invalid YAML: line \\d+, column \\d+: `),
    );
  });

  it("report a missing source file", async () => {
    const definition = demoCopy();
    definition.tables[0] = {
      ...(definition.tables[0] as WorkspaceDefinition["tables"][number]),
      source: { format: "csv", path: "missing.csv" },
    };
    const file = join(folder, "missing-source.json");
    await writeFile(file, JSON.stringify(definition));

    const error = await loadWorkspaceDefinition(file).catch(
      (caught: unknown) => caught,
    );

    expect((error as WorkspaceDefinitionError).problemLines()).toEqual([
      `${file}: tables[0].source: file not found: ${join(folder, "missing.csv")}; the path is relative to the definition file's folder`,
    ]);
  });
});
