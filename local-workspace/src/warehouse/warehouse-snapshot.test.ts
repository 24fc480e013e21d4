import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceDefinition } from "../contracts.js";
import { PgliteWarehouse } from "./pglite-warehouse.js";
import {
  snapshotPath,
  warehouseFingerprint,
  writeSnapshot,
} from "./warehouse-snapshot.js";

const ordersTable = "main.sales.orders";

/** Two users, a row filter that hides order 2 from non-finance users, and an amount mask. */
function smallDefinition(): WorkspaceDefinition {
  return {
    workspaceId: "7",
    users: [
      { userName: "ann@example.com", displayName: "Ann", groups: ["finance"] },
      { userName: "ben@example.com", displayName: "Ben", groups: [] },
    ],
    groups: [{ name: "finance" }],
    servicePrincipals: [],
    tables: [
      {
        name: ordersTable,
        columns: [
          { name: "id", type: "INT" },
          { name: "amount", type: "LONG" },
        ],
        source: {
          rows: [
            { id: 1, amount: 10 },
            { id: 2, amount: 20 },
          ],
        },
      },
    ],
    grants: ["ann@example.com", "ben@example.com"].map((principal) => ({
      principal,
      privileges: ["USE CATALOG", "USE SCHEMA", "SELECT"],
      securable: "main",
    })),
    rowFilters: [
      {
        name: "orders_for_finance",
        table: ordersTable,
        expression: "is_account_group_member('finance') OR id = 1",
      },
    ],
    columnMasks: [
      {
        name: "order_amount",
        table: ordersTable,
        column: "amount",
        expression:
          "CASE WHEN is_account_group_member('finance') THEN amount END",
      },
    ],
    genieSpaces: [],
    servingEndpoints: [],
    warehouses: [],
  };
}

let dataDirectory: string;

beforeAll(async () => {
  dataDirectory = await mkdtemp(join(tmpdir(), "warehouse-snapshot-test-"));
});

afterAll(async () => {
  await rm(dataDirectory, { recursive: true, force: true });
});

async function ordersAs(
  warehouse: PgliteWarehouse,
  principal: string,
): Promise<(string | null)[][]> {
  const result = await warehouse.query(
    principal,
    `SELECT id, amount FROM ${ordersTable} ORDER BY id`,
  );
  return result.rows;
}

describe("warehouse snapshots", () => {
  it("are written on the first start and loaded on the next", async () => {
    const definition = smallDefinition();
    const options = { baseDirectory: dataDirectory, dataDirectory };

    const first = await PgliteWarehouse.create(definition, options);
    await first.close();
    const second = await PgliteWarehouse.create(definition, options);

    try {
      expect(first.startup.origin).toBe("built");
      expect(first.startup.snapshot).toBeDefined();
      expect(second.startup).toMatchObject({
        origin: "loaded",
        snapshot: first.startup.snapshot,
      });
      expect(await ordersAs(second, "ann@example.com")).toEqual([
        ["1", "10"],
        ["2", "20"],
      ]);
      expect(await ordersAs(second, "ben@example.com")).toEqual([["1", null]]);
    } finally {
      await second.close();
    }
  });

  it("are rebuilt, with a warning, when the file is damaged", async () => {
    // A column the other tests lack gives this definition a fingerprint of its own.
    const definition = smallDefinition();
    definition.tables[0]?.columns.push({ name: "note", type: "STRING" });
    const fingerprint = await warehouseFingerprint(definition, dataDirectory);
    await writeFile(snapshotPath(dataDirectory, fingerprint), "not a tar file");
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );

    const warehouse = await PgliteWarehouse.create(definition, {
      baseDirectory: dataDirectory,
      dataDirectory,
      logger,
    });

    try {
      expect(warehouse.startup.origin).toBe("built");
      expect(lines.join("")).toContain(
        "warehouse snapshot could not be loaded; deleting it and building the warehouse",
      );
      expect(await ordersAs(warehouse, "ben@example.com")).toEqual([
        ["1", null],
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it("keep the three most recently written", async () => {
    const folder = join(dataDirectory, "pruning");
    const fingerprints = ["a", "b", "c", "d", "e"].map((letter) =>
      letter.repeat(24),
    );
    for (const fingerprint of fingerprints) {
      await writeSnapshot(folder, fingerprint, new Blob([fingerprint]));
      // File times have millisecond resolution; keep the writes apart.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const files = (await readdir(folder)).sort();

    expect(files).toEqual(
      fingerprints
        .slice(2)
        .map((fingerprint) => `warehouse-${fingerprint}.tar`),
    );
  });
});

describe("warehouseFingerprint", () => {
  it("changes with the rows, a data file and the grants", async () => {
    const csv = join(dataDirectory, "orders.csv");
    await writeFile(csv, "id,amount\n1,10\n");
    const definition = smallDefinition();
    const table = definition.tables[0];
    if (table === undefined) {
      throw new Error("the small definition has no table");
    }
    table.source = { format: "csv", path: "orders.csv" };
    const original = await warehouseFingerprint(definition, dataDirectory);

    await writeFile(csv, "id,amount\n1,11\n");
    const changedFile = await warehouseFingerprint(definition, dataDirectory);

    const fewerGrants = structuredClone(definition);
    fewerGrants.grants.pop();
    const changedGrants = await warehouseFingerprint(
      fewerGrants,
      dataDirectory,
    );

    expect(changedFile).not.toBe(original);
    expect(changedGrants).not.toBe(changedFile);
  });

  it("ignores resources that the database does not contain", async () => {
    const definition = smallDefinition();
    const withResources = smallDefinition();
    withResources.workspaceId = "8";
    withResources.warehouses.push({ id: "w1", name: "W", permissions: [] });

    expect(await warehouseFingerprint(withResources, dataDirectory)).toBe(
      await warehouseFingerprint(definition, dataDirectory),
    );
  });
});
