import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentAnswer, askAgent } from "../../src/cli/agent-client.js";
import { loadConfig } from "../../src/config/load.js";
import { createAppCredentials } from "../../src/databricks/app-credentials.js";
import { runStatement } from "../../src/databricks/statement-run.js";
import { StatementExecutionClient } from "../../src/databricks/statements.js";
import { WorkspaceClient } from "../../src/databricks/workspace-client.js";
import { ConfigError } from "../../src/errors/errors.js";
import { startAgentServer } from "../../src/server/create-server.js";
import {
  type DemoStack,
  repositoryRoot,
  startDemoStack,
} from "../helpers/demo-stack.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";

/** A statement as the question: offline-router passes it to the SQL tool unchanged. */
const statement =
  "SELECT ROUND(AVG(delay), 2) AS avg_departure_delay_minutes, COUNT(*) AS flight_count " +
  "FROM samples.aviation.flights WHERE EXTRACT(MONTH FROM date) = 2";
const statementsPath = "/api/2.0/sql/statements";

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack();
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
});

async function askAs(
  userName: string,
  scopes?: string[],
): Promise<{ answer: AgentAnswer; token: string }> {
  const token = await stack.tokenFor(userName, scopes ? { scopes } : {});
  const answer = await askAgent({
    url: stack.agentUrl,
    token,
    question: statement,
  });
  return { answer, token };
}

function statementRecords() {
  return stack.workspace.recorder.records.filter((record) =>
    record.path.startsWith(statementsPath),
  );
}

describe("the SQL tool through the agent", () => {
  it("gives alice the West figure, computed as alice", async () => {
    const { answer, token } = await askAs("alice@example.com");
    const expected = expectedAverageDelay(2, ["West"]);
    const step = answer.steps[0];

    expect(answer.error).toBeUndefined();
    expect(step?.tool).toBe("flights_sql");
    expect(step?.error).toBeUndefined();
    expect(step?.sql).toBe(statement);
    expect(step?.rows).toEqual([[expected.average, expected.flights]]);
    expect(answer.answer).toContain(String(expected.average));

    const records = statementRecords();
    expect(records.map((record) => record.method)).toEqual(["POST"]);
    expect(records[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("gives bob the Northeast figure", async () => {
    const { answer } = await askAs("bob@example.com");
    const expected = expectedAverageDelay(2, ["Northeast"]);

    expect(answer.steps[0]?.rows).toEqual([
      [expected.average, expected.flights],
    ]);
    expect(answer.answer).toContain(String(expected.average));
  });

  it("gives dave a typed permission error and no rows", async () => {
    const { answer } = await askAs("dave@example.com");
    const step = answer.steps[0];

    expect(answer.error).toBeUndefined();
    expect(step?.tool).toBe("flights_sql");
    expect(step?.error?.code).toBe("PERMISSION_DENIED");
    expect(step?.error?.message).toMatch(
      /\[INSUFFICIENT_PERMISSIONS\] .*SELECT on Table 'samples\.aviation\.flights'/,
    );
    expect(step?.rows).toBeUndefined();
    expect(answer.answer).not.toMatch(/\d+\.\d+/);
  });

  it("refuses a token with only the genie scope before any statement", async () => {
    const { answer } = await askAs("alice@example.com", ["genie"]);
    const step = answer.steps[0];

    expect(step?.tool).toBe("flights_sql");
    expect(step?.error?.code).toBe("MISSING_SCOPE");
    expect(step?.error?.message).toContain(
      'The tool "flights_sql" needs the OAuth scope sql',
    );
    expect(statementRecords()).toHaveLength(0);
  });
});

describe("the statement client against the local workspace", () => {
  it("reads every chunk up to the row limit", async () => {
    const token = await stack.tokenFor("carol@example.com");
    const client = new StatementExecutionClient(
      new WorkspaceClient({
        host: stack.workspace.url,
        authorization: () => `Bearer ${token}`,
      }),
    );
    const run = await runStatement(
      client,
      {
        statement:
          "SELECT origin, delay FROM samples.aviation.flights ORDER BY date, origin, delay",
        warehouseId: "4b9e0c6f7a2d1e35",
        rowLimit: 1200,
      },
      { deadlineMilliseconds: 30_000 },
    );

    expect(run.result.rows).toHaveLength(1200);
    expect(run.result.truncated).toBe(true);
    expect(run.truncationReason).toBe("row-limit");
    expect(statementRecords().map((record) => record.path)).toEqual([
      statementsPath,
      `${statementsPath}/${run.statementId}/result/chunks/1`,
      `${statementsPath}/${run.statementId}/result/chunks/2`,
    ]);
  });
});

describe("the start-up scope check", () => {
  it("refuses to start when a SQL tool lacks the sql scope", async () => {
    const config = await loadConfig({
      path: `${repositoryRoot}/examples/behalf.config.yaml`,
      environment: {},
      overrides: {
        workspace: { host: stack.workspace.url },
        server: { port: 0 },
        app: { userApiScopes: ["genie"] },
      },
    });
    const starting = startAgentServer({
      config,
      host: stack.workspace.url,
      appCredentials: createAppCredentials({
        host: stack.workspace.url,
        clientId: stack.workspace.servicePrincipal.clientId,
        clientSecret: stack.workspace.servicePrincipal.clientSecret,
      }),
      environment: {},
    });

    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(
      'the tool "flights_sql" needs the OAuth scope sql',
    );
  });
});
