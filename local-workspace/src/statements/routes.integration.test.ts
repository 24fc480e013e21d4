import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monthFigures } from "../genie/expected-flight-figures.js";
import { startLocalWorkspace } from "../server.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const warehouseId = "4b9e0c6f7a2d1e35";
const februaryDelay =
  "SELECT ROUND(AVG(delay), 2) AS avg_delay, COUNT(*) AS flight_count " +
  "FROM samples.aviation.flights WHERE EXTRACT(MONTH FROM date) = :month";

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    port: 0,
    logLevel: "silent",
  });
}, 120_000);

afterAll(async () => {
  await workspace?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are plain JSON
type Json = any;

async function call(
  token: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(
    `${workspace.url}/api/2.0/sql/statements${path}`,
    {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
  );
  return { status: response.status, body: await response.json() };
}

async function execute(userName: string, extra: Record<string, unknown>) {
  return call(await workspace.issueToken(userName), "POST", "", {
    warehouse_id: warehouseId,
    ...extra,
  });
}

describe("Statement Execution routes", () => {
  it("give each user the figures of their own rows", async () => {
    const parameters = [{ name: "month", value: "2", type: "INT" }];
    const alice = await execute("alice@example.com", {
      statement: februaryDelay,
      parameters,
    });
    const bob = await execute("bob@example.com", {
      statement: februaryDelay,
      parameters,
    });

    const west = monthFigures(2, ["West"]);
    const northeast = monthFigures(2, ["Northeast"]);
    expect(alice.status).toBe(200);
    expect(alice.body.result.data_array).toEqual([
      [west.roundedAverageDelay, String(west.flightCount)],
    ]);
    expect(bob.body.result.data_array).toEqual([
      [northeast.roundedAverageDelay, String(northeast.flightCount)],
    ]);
  });

  it("report dave's missing grant as a FAILED statement", async () => {
    const dave = await execute("dave@example.com", {
      statement: februaryDelay,
      parameters: [{ name: "month", value: "2" }],
    });

    expect(dave.status).toBe(200);
    expect(dave.body.status.state).toBe("FAILED");
    expect(dave.body.status.error.message).toMatch(
      /^\[INSUFFICIENT_PERMISSIONS\] .*SELECT on Table 'samples\.aviation\.flights'/,
    );
  });

  it("need a token with the sql scope", async () => {
    const token = await workspace.issueToken("alice@example.com", {
      scopes: ["genie"],
    });
    const response = await call(token, "POST", "", {
      statement: "SELECT 1",
      warehouse_id: warehouseId,
    });

    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error_code: "PERMISSION_DENIED",
      message: "Provided OAuth token does not have required scopes: sql",
    });
  });

  it("accept the sql.statement-execution alias", async () => {
    const token = await workspace.issueToken("alice@example.com", {
      scopes: ["sql.statement-execution"],
    });
    const response = await call(token, "POST", "", {
      statement: "SELECT 1 AS one",
      warehouse_id: warehouseId,
    });
    expect(response.body.result.data_array).toEqual([["1"]]);
  });

  it("serve further chunks to the owner only", async () => {
    const carolToken = await workspace.issueToken("carol@example.com");
    const first = await call(carolToken, "POST", "", {
      statement:
        "SELECT origin, delay FROM samples.aviation.flights ORDER BY date, origin, delay",
      warehouse_id: warehouseId,
      row_limit: 1200,
    });
    const id = first.body.statement_id;
    expect(first.body.manifest.total_row_count).toBe(1200);
    expect(first.body.manifest.truncated).toBe(true);
    expect(first.body.result.row_count).toBe(500);

    const second = await call(carolToken, "GET", `/${id}/result/chunks/1`);
    expect(second.status).toBe(200);
    expect(second.body.row_offset).toBe(500);
    expect(second.body.data_array).toHaveLength(500);
    expect(second.body.next_chunk_index).toBe(2);

    const bobToken = await workspace.issueToken("bob@example.com");
    for (const path of [`/${id}`, `/${id}/result/chunks/1`]) {
      const stranger = await call(bobToken, "GET", path);
      expect(stranger.status).toBe(404);
      expect(stranger.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    }
    const cancel = await call(bobToken, "POST", `/${id}/cancel`, {});
    expect(cancel.status).toBe(404);

    const again = await call(carolToken, "GET", `/${id}`);
    expect(again.body.status.state).toBe("SUCCEEDED");
  });

  it("describe a table the caller may read", async () => {
    const alice = await execute("alice@example.com", {
      statement: "DESCRIBE TABLE samples.aviation.flights",
    });
    expect(alice.body.result.data_array).toContainEqual([
      "delay",
      "int",
      "Departure delay in minutes; negative when early.",
    ]);

    const dave = await execute("dave@example.com", {
      statement: "DESCRIBE TABLE samples.aviation.flights",
    });
    expect(dave.body.status.error.message).toMatch(/INSUFFICIENT_PERMISSIONS/);
  });

  it("answer 404 for an unknown warehouse or statement", async () => {
    const warehouse = await execute("alice@example.com", {
      statement: "SELECT 1",
      warehouse_id: "0123456789abcdef",
    });
    expect(warehouse.status).toBe(404);
    expect(warehouse.body.message).toContain("Warehouse 0123456789abcdef");

    const token = await workspace.issueToken("alice@example.com");
    const statement = await call(token, "GET", "/01f0-unknown");
    expect(statement.status).toBe(404);
  });
});
