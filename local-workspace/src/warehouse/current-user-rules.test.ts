import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWorkspaceDefinition } from "../definition/load-definition.js";
import { PgliteWarehouse } from "./pglite-warehouse.js";

const ordersTable = "shop.sales.orders";

/**
 * Orders that belong to users by their `owner` column. The row filter and the mask both
 * compare that column with `current_user()`, so Postgres has to evaluate them for the
 * user who runs each query. A user reads only their own orders. A manager reads every
 * order, but only the notes of their own.
 */
const definition = parseWorkspaceDefinition(
  {
    workspaceId: "42",
    users: [
      {
        userName: "alice@example.com",
        displayName: "Alice",
        groups: ["buyers"],
      },
      { userName: "bob@example.com", displayName: "Bob", groups: ["buyers"] },
      {
        userName: "carol@example.com",
        displayName: "Carol",
        groups: ["buyers", "managers"],
      },
      { userName: "dave@example.com", displayName: "Dave", groups: ["buyers"] },
    ],
    groups: [{ name: "buyers" }, { name: "managers" }],
    tables: [
      {
        name: ordersTable,
        columns: [
          { name: "id", type: "INT" },
          { name: "owner", type: "STRING" },
          { name: "amount", type: "DECIMAL" },
          { name: "note", type: "STRING" },
        ],
        source: {
          rows: [
            {
              id: 1,
              owner: "alice@example.com",
              amount: 120.5,
              note: "gift for Bob",
            },
            { id: 2, owner: "alice@example.com", amount: 30, note: "books" },
            {
              id: 3,
              owner: "bob@example.com",
              amount: 75.25,
              note: "gift for Alice",
            },
            {
              id: 4,
              owner: "carol@example.com",
              amount: 990,
              note: "office chairs",
            },
          ],
        },
      },
    ],
    grants: [
      {
        principal: "buyers",
        privileges: ["USE CATALOG", "USE SCHEMA", "SELECT"],
        securable: "shop",
      },
    ],
    rowFilters: [
      {
        name: "orders_of_current_user",
        table: ordersTable,
        expression:
          "owner = current_user() OR is_account_group_member('managers')",
      },
    ],
    columnMasks: [
      {
        name: "notes_of_current_user",
        table: ordersTable,
        column: "note",
        expression:
          "CASE WHEN owner = current_user() THEN note ELSE '(hidden)' END",
      },
    ],
  },
  "current_user() rule test definition",
);

let warehouse: PgliteWarehouse;

beforeAll(async () => {
  warehouse = await PgliteWarehouse.create(definition, {
    baseDirectory: import.meta.dirname,
  });
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
});

async function rowsAs(userName: string, sql: string) {
  const result = await warehouse.query(userName, sql);
  return result.rows;
}

const everyOrder = `SELECT id, owner, amount, note FROM ${ordersTable} ORDER BY id`;

describe("row filter with current_user()", () => {
  it("gives alice her own orders only", async () => {
    expect(await rowsAs("alice@example.com", everyOrder)).toEqual([
      ["1", "alice@example.com", "120.5", "gift for Bob"],
      ["2", "alice@example.com", "30", "books"],
    ]);
  });

  it("gives bob his own order only", async () => {
    expect(await rowsAs("bob@example.com", everyOrder)).toEqual([
      ["3", "bob@example.com", "75.25", "gift for Alice"],
    ]);
  });

  it("gives dave, who owns none, no rows", async () => {
    expect(await rowsAs("dave@example.com", everyOrder)).toEqual([]);
  });

  it("filters aggregates and explicit owner conditions", async () => {
    const totals = `SELECT COUNT(*) AS orders, SUM(amount) AS total FROM ${ordersTable}`;
    const bobsOrders = `SELECT id FROM ${ordersTable} WHERE owner = 'bob@example.com'`;

    expect(await rowsAs("alice@example.com", totals)).toEqual([["2", "150.5"]]);
    expect(await rowsAs("bob@example.com", totals)).toEqual([["1", "75.25"]]);
    expect(await rowsAs("alice@example.com", bobsOrders)).toEqual([]);
  });

  it("sees the querying user in current_user()", async () => {
    expect(await rowsAs("bob@example.com", "SELECT current_user()")).toEqual([
      ["bob@example.com"],
    ]);
  });
});

describe("column mask with current_user()", () => {
  it("shows carol every order with the notes of her own only", async () => {
    expect(await rowsAs("carol@example.com", everyOrder)).toEqual([
      ["1", "alice@example.com", "120.5", "(hidden)"],
      ["2", "alice@example.com", "30", "(hidden)"],
      ["3", "bob@example.com", "75.25", "(hidden)"],
      ["4", "carol@example.com", "990", "office chairs"],
    ]);
  });

  it("keeps the notes out of filters on the masked column", async () => {
    const byNote = `SELECT id FROM ${ordersTable} WHERE note LIKE 'gift%' ORDER BY id`;

    expect(await rowsAs("carol@example.com", byNote)).toEqual([]);
    expect(await rowsAs("alice@example.com", byNote)).toEqual([["1"]]);
  });
});
