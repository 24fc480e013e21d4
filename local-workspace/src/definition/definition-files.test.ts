import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadWorkspaceDefinition } from "./load-definition.js";
import { asyncProblemLines, repositoryRoot } from "./test-support.js";

let folder: string;

/** A base definition in a subfolder, with a table read from a CSV file beside it. */
const base = {
  workspaceId: "42",
  groups: [{ name: "readers" }],
  users: [
    { userName: "ann@example.com", displayName: "Ann", groups: ["readers"] },
  ],
  tables: [
    {
      name: "main.sales.orders",
      columns: [{ name: "id", type: "INT" }],
      source: { format: "csv", path: "orders.csv" },
    },
  ],
  grants: [
    { principal: "readers", privileges: ["USE CATALOG"], securable: "main" },
  ],
};

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "definition-files-test-"));
  await mkdir(join(folder, "base"));
  await writeFile(join(folder, "base", "orders.csv"), "id\n1\n2\n");
  await writeFile(join(folder, "base", "base.yaml"), stringify(base));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function writeDefinition(name: string, value: unknown): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, stringify(value));
  return file;
}

describe("extends", () => {
  it("appends lists and keeps base paths working", async () => {
    const file = await writeDefinition("sales.yaml", {
      extends: "base/base.yaml",
      workspaceId: "43",
      users: [{ userName: "ben@example.com", displayName: "Ben", groups: [] }],
    });

    const loaded = await loadWorkspaceDefinition(file);

    expect(loaded.definition.workspaceId).toBe("43");
    expect(loaded.definition.users.map((user) => user.userName)).toEqual([
      "ann@example.com",
      "ben@example.com",
    ]);
    expect(loaded.definition.tables[0]?.source).toEqual({
      format: "csv",
      path: join("base", "orders.csv"),
    });
    expect(loaded.baseDirectory).toBe(folder);
  });

  it("names the file and index each problem is in", async () => {
    const file = await writeDefinition("broken.yaml", {
      extends: "base/base.yaml",
      grants: [
        { principal: "writers", privileges: ["SELECT"], securable: "main" },
      ],
      users: [{ userName: "cy@example.com", displayName: "Cy", grups: [] }],
    });

    const lines = await asyncProblemLines(() => loadWorkspaceDefinition(file));

    expect(lines).toEqual([
      `${file}: users[0].groups: missing; add an array value`,
      `${file}: users[0].grups: unknown field; remove it or correct its spelling (field names are case-sensitive)`,
    ]);

    await writeDefinition("unknown-principal.yaml", {
      extends: "base/base.yaml",
      grants: [
        { principal: "writers", privileges: ["SELECT"], securable: "main" },
      ],
    });
    const crossCheckLines = await asyncProblemLines(() =>
      loadWorkspaceDefinition(join(folder, "unknown-principal.yaml")),
    );
    expect(crossCheckLines).toEqual([
      `${join(folder, "unknown-principal.yaml")}: grants[0].principal: unknown principal "writers"; use a user name, group name or service principal application id from this file`,
    ]);
  });

  it("names the base file for a problem in its entries", async () => {
    const brokenBase = structuredClone(base);
    brokenBase.grants.push({
      principal: "readers",
      privileges: ["USE CATALOG"],
      securable: "mian",
    });
    await writeFile(
      join(folder, "base", "broken-base.yaml"),
      stringify(brokenBase),
    );
    const file = await writeDefinition("on-broken-base.yaml", {
      extends: "base/broken-base.yaml",
      grants: [
        { principal: "readers", privileges: ["SELECT"], securable: "main" },
      ],
    });

    const lines = await asyncProblemLines(() => loadWorkspaceDefinition(file));

    expect(lines).toEqual([
      `${join(folder, "base", "broken-base.yaml")}: grants[1].securable: unknown securable "mian"; name a catalog, schema or table that a table under tables defines`,
    ]);
  });

  it("rejects a cycle of extends", async () => {
    const first = await writeDefinition("first.yaml", {
      extends: "second.yaml",
    });
    await writeDefinition("second.yaml", { extends: "first.yaml" });

    const lines = await asyncProblemLines(() => loadWorkspaceDefinition(first));

    expect(lines).toEqual([
      `${first}: extends: extends forms a cycle (${first} -> ${join(folder, "second.yaml")} -> ${first}); remove one of the extends fields`,
    ]);
  });

  it("loads the flights-3m example on top of the demo", async () => {
    const loaded = await loadWorkspaceDefinition(
      join(repositoryRoot, "examples", "local-workspace-flights-3m.yaml"),
    );
    const names = loaded.definition.tables.map((table) => table.name);

    expect(names).toContain("samples.aviation.bird_strikes");
    expect(names.at(-1)).toBe("samples.aviation.flights_3m");
    expect(loaded.definition.genieSpaces).toHaveLength(3);
  });
});
