import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceDefinition } from "../contracts.js";
import { type LocalWorkspace, startLocalWorkspace } from "../server.js";

const warehouseId = "5a1e0c6f7a2d1e35";

/**
 * Two catalogs whose grants differ per user: alice reaches samples.aviation.flights
 * through her group only, carol may use both catalogs and every samples table, and
 * dave has no grant at all.
 */
const definition: WorkspaceDefinition = {
  workspaceId: "42",
  users: [
    {
      userName: "alice@example.com",
      displayName: "Alice",
      groups: ["users", "analysts"],
    },
    {
      userName: "carol@example.com",
      displayName: "Carol",
      groups: ["users", "finance"],
    },
    { userName: "dave@example.com", displayName: "Dave", groups: ["users"] },
  ],
  groups: [{ name: "users" }, { name: "analysts" }, { name: "finance" }],
  servicePrincipals: [
    {
      applicationId: "show-test-app",
      displayName: "App",
      clientSecret: "secret",
    },
  ],
  catalogs: [
    {
      name: "samples",
      schemas: [{ name: "aviation" }, { name: "weather" }, { name: "empty" }],
    },
    { name: "ledgers", schemas: [{ name: "costs" }] },
  ],
  tables: [
    table("samples.aviation.flights", ["origin", "delay"]),
    table("samples.aviation.airports", ["iata", "state"]),
    table("samples.weather.observations", ["station", "temperature"]),
    table("ledgers.costs.repairs", ["aircraft", "amount"]),
  ],
  grants: [
    {
      principal: "analysts",
      privileges: ["USE CATALOG"],
      securable: "samples",
    },
    {
      principal: "analysts",
      privileges: ["USE SCHEMA"],
      securable: "samples.aviation",
    },
    {
      principal: "analysts",
      privileges: ["SELECT"],
      securable: "samples.aviation.flights",
    },
    {
      principal: "carol@example.com",
      privileges: ["USE CATALOG", "USE SCHEMA", "SELECT"],
      securable: "samples",
    },
    { principal: "finance", privileges: ["USE CATALOG"], securable: "ledgers" },
    {
      principal: "finance",
      privileges: ["USE SCHEMA", "SELECT"],
      securable: "ledgers.costs",
    },
  ],
  rowFilters: [],
  genieSpaces: [],
  servingEndpoints: [],
  warehouses: [
    {
      id: warehouseId,
      name: "SHOW test warehouse",
      permissions: [{ principal: "users", level: "CAN_USE" }],
    },
  ],
};

function table(name: string, columns: string[]) {
  return {
    name,
    columns: columns.map((column) => ({
      name: column,
      type: "STRING" as const,
    })),
    source: { rows: [] },
  };
}

let workspace: LocalWorkspace;

beforeAll(async () => {
  workspace = await startLocalWorkspace({ definition, logLevel: "silent" });
}, 60_000);

afterAll(async () => {
  await workspace?.close();
});

interface StatementOutcome {
  state: string;
  columns: { name: string; type_name: string }[];
  rows: (string | null)[][];
  error: string | undefined;
}

/** Runs one statement as `userName` over HTTP and waits for its result inline. */
async function run(
  userName: string,
  statement: string,
  namespace: { catalog?: string; schema?: string } = {},
): Promise<StatementOutcome> {
  const token = await workspace.issueToken(userName);
  const response = await fetch(`${workspace.url}/api/2.0/sql/statements`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({
      statement,
      warehouse_id: warehouseId,
      ...namespace,
    }),
  });
  expect(response.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: a Statement Execution response body
  const body: any = await response.json();
  return {
    state: body.status.state,
    columns: (body.manifest?.schema.columns ?? []).map(
      (column: { name: string; type_name: string }) => ({
        name: column.name,
        type_name: column.type_name,
      }),
    ),
    rows: body.result?.data_array ?? [],
    error: body.status.error?.message,
  };
}

function firstColumn(outcome: StatementOutcome): (string | null)[] {
  return outcome.rows.map((row) => row[0] ?? null);
}

describe("SHOW CATALOGS", () => {
  it("lists the catalogs each user may use", async () => {
    const alice = await run("alice@example.com", "SHOW CATALOGS");
    const carol = await run("carol@example.com", "SHOW CATALOGS");
    const dave = await run("dave@example.com", "SHOW CATALOGS");

    expect(alice.columns).toEqual([{ name: "catalog", type_name: "STRING" }]);
    expect(firstColumn(alice)).toEqual(["samples"]);
    expect(firstColumn(carol)).toEqual(["ledgers", "samples"]);
    expect(dave.state).toBe("SUCCEEDED");
    expect(dave.rows).toEqual([]);
  });

  it("filters by a pattern", async () => {
    const carol = await run(
      "carol@example.com",
      "SHOW CATALOGS LIKE 'LED*|nothing'",
    );
    expect(firstColumn(carol)).toEqual(["ledgers"]);
  });

  it("rejects a pattern that is not a regular expression", async () => {
    const carol = await run("carol@example.com", "SHOW CATALOGS LIKE 'led(*'");
    expect(carol.error).toMatch(
      /^\[INVALID_PARAMETER_VALUE\] The pattern 'led\(\*' is not a valid SHOW pattern/,
    );
  });
});

describe("SHOW SCHEMAS", () => {
  it("lists the schemas each user may use", async () => {
    const alice = await run("alice@example.com", "SHOW SCHEMAS IN samples");
    const carol = await run("carol@example.com", "SHOW DATABASES FROM samples");

    expect(alice.columns).toEqual([
      { name: "databaseName", type_name: "STRING" },
    ]);
    expect(firstColumn(alice)).toEqual(["aviation"]);
    expect(firstColumn(carol)).toEqual(["aviation", "empty", "weather"]);
  });

  it("needs USE CATALOG", async () => {
    const alice = await run("alice@example.com", "SHOW SCHEMAS IN ledgers");
    const dave = await run("dave@example.com", "SHOW SCHEMAS IN samples");

    expect(alice.state).toBe("FAILED");
    expect(alice.error).toBe(
      "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE CATALOG on Catalog 'ledgers'.",
    );
    expect(dave.error).toBe(
      "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE CATALOG on Catalog 'samples'.",
    );
  });

  it("takes the catalog from the request", async () => {
    const carol = await run("carol@example.com", "SHOW SCHEMAS", {
      catalog: "ledgers",
    });
    expect(firstColumn(carol)).toEqual(["costs"]);
  });

  it("reports an unknown catalog", async () => {
    const carol = await run("carol@example.com", "SHOW SCHEMAS IN nowhere");
    expect(carol.error).toMatch(
      /^\[NO_SUCH_CATALOG_EXCEPTION\] Catalog 'nowhere'/,
    );
  });
});

describe("SHOW TABLES", () => {
  it("lists the tables each user may read", async () => {
    const alice = await run(
      "alice@example.com",
      "SHOW TABLES IN samples.aviation",
    );
    const carol = await run(
      "carol@example.com",
      "SHOW TABLES FROM samples.aviation",
    );

    expect(alice.columns).toEqual([
      { name: "database", type_name: "STRING" },
      { name: "tableName", type_name: "STRING" },
      { name: "isTemporary", type_name: "BOOLEAN" },
    ]);
    expect(alice.rows).toEqual([["aviation", "flights", "false"]]);
    expect(carol.rows).toEqual([
      ["aviation", "airports", "false"],
      ["aviation", "flights", "false"],
    ]);
  });

  it("needs USE CATALOG and USE SCHEMA", async () => {
    const alice = await run(
      "alice@example.com",
      "SHOW TABLES IN samples.weather",
    );
    const dave = await run(
      "dave@example.com",
      "SHOW TABLES IN samples.aviation",
    );

    expect(alice.error).toBe(
      "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE SCHEMA on Schema 'samples.weather'.",
    );
    expect(dave.error).toBe(
      "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE CATALOG on Catalog 'samples'.",
    );
  });

  it("takes the schema from the request and filters by a pattern", async () => {
    const carol = await run("carol@example.com", "SHOW TABLES LIKE 'air*'", {
      catalog: "samples",
      schema: "aviation",
    });
    expect(carol.rows).toEqual([["aviation", "airports", "false"]]);
  });

  it("lists nothing in an empty schema", async () => {
    const carol = await run(
      "carol@example.com",
      "SHOW TABLES IN samples.empty",
    );
    expect(carol.state).toBe("SUCCEEDED");
    expect(carol.rows).toEqual([]);
  });
});

describe("SHOW COLUMNS", () => {
  it("lists the columns of a readable table", async () => {
    const alice = await run(
      "alice@example.com",
      "SHOW COLUMNS IN samples.aviation.flights",
    );
    const inSchema = await run(
      "alice@example.com",
      "SHOW COLUMNS IN flights IN samples.aviation",
    );

    expect(alice.columns).toEqual([{ name: "col_name", type_name: "STRING" }]);
    expect(alice.rows).toEqual([["origin"], ["delay"]]);
    expect(inSchema.rows).toEqual(alice.rows);
  });

  it("needs SELECT on the table", async () => {
    const alice = await run(
      "alice@example.com",
      "SHOW COLUMNS IN samples.aviation.airports",
    );
    const dave = await run(
      "dave@example.com",
      "SHOW COLUMNS IN samples.aviation.flights",
    );

    expect(alice.error).toMatch(
      /^\[INSUFFICIENT_PERMISSIONS\] .*SELECT on Table 'samples\.aviation\.airports'/,
    );
    expect(dave.error).toMatch(/^\[INSUFFICIENT_PERMISSIONS\]/);
  });
});

describe("other SHOW statements", () => {
  it("fail with the forms the workspace runs", async () => {
    const alice = await run(
      "alice@example.com",
      "SHOW GRANTS ON samples.aviation.flights",
    );
    expect(alice.error).toMatch(/^\[UNSUPPORTED_FEATURE\] .*SHOW CATALOGS/);
  });

  it.each([
    "SHOW TABLES IN samples.aviation.flights",
    "SHOW SCHEMAS IN samples.aviation",
    "SHOW COLUMNS IN aviation.flights IN samples",
    "SHOW TABLES IN samples.aviation LIKE",
    "SHOW CATALOGS everything",
  ])("reject the syntax of %s", async (statement) => {
    const alice = await run("alice@example.com", statement);
    expect(alice.state).toBe("FAILED");
    expect(alice.error).toMatch(/^\[PARSE_SYNTAX_ERROR\] /);
  });
});
