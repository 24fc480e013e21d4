import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from "vitest";
import type { RecordedRequest } from "../../local-workspace/src/recorder.js";
import { redirectLogs } from "../../src/logging/logger.js";
import {
  type AgentServer,
  startWorkspaceWithAgents,
  type WorkspaceWithAgents,
} from "../helpers/agent-servers.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";

/** An agent server in Apps mode, reached directly, as a client that bypasses the proxy would. */
let stack: WorkspaceWithAgents;
let agent: AgentServer;
const tokens: Record<string, string> = {};
const userIds: Record<string, string> = {};
let logLines: string[] = [];
let restoreLogs: (() => void) | undefined;

beforeAll(async () => {
  stack = await startWorkspaceWithAgents();
  agent = await stack.startAgent({ server: { mode: "apps" } });
  for (const user of ["alice@example.com", "bob@example.com"]) {
    tokens[user] = await stack.tokenFor(user);
    const me = await fetch(
      `${stack.workspace.url}/api/2.0/preview/scim/v2/Me`,
      { headers: { Authorization: `Bearer ${tokens[user]}` } },
    );
    userIds[user] = ((await me.json()) as { id: string }).id;
  }
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.workspace.recorder.clear();
  logLines = [];
  restoreLogs = redirectLogs((line) => logLines.push(line), "info");
});
afterEach(() => {
  restoreLogs?.();
});

const question = "What was the average departure delay in February 2001?";

function token(user: string): string {
  return tokens[user] ?? "";
}

async function ask(headers: Record<string, string>): Promise<Response> {
  return fetch(`${agent.url}/responses`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ input: question }),
  });
}

/** Headers the Databricks Apps proxy sets, here naming `user` as a client could forge them. */
function identityHeadersNaming(user: string): Record<string, string> {
  return {
    "x-forwarded-email": user,
    "x-forwarded-user": userIds[user] ?? user,
    "x-forwarded-preferred-username": user,
  };
}

function bearerOf(record: RecordedRequest): string | undefined {
  return record.headers.authorization?.replace(/^Bearer /, "");
}

/** Requests to the REST APIs that act as the user: SCIM Me, Genie and SQL statements. */
function userSideRecords(): RecordedRequest[] {
  return stack.workspace.recorder.records.filter((record) =>
    record.path.startsWith("/api/"),
  );
}

function averageDelayIn(body: { output?: unknown[] }): unknown {
  const result = (body.output ?? [])
    .filter(
      (item): item is { type: string; output: string } =>
        (item as { type?: string }).type === "function_call_output",
    )
    .map(
      (item) =>
        JSON.parse(item.output) as {
          columns?: { name: string }[];
          rows?: unknown[][];
        },
    )[0];
  const column =
    result?.columns?.findIndex((candidate) =>
      candidate.name.includes("delay"),
    ) ?? -1;
  return result?.rows?.[0]?.[column];
}

function auditLines(): Record<string, unknown>[] {
  return logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.audit === true);
}

describe("identity in Apps mode", () => {
  it("acts as the forwarded token's user, not the named one", async () => {
    const response = await ask({
      "x-forwarded-access-token": token("alice@example.com"),
      ...identityHeadersNaming("bob@example.com"),
    });
    expect(response.status).toBe(200);
    expect(averageDelayIn(await response.json())).toBe(
      expectedAverageDelay(2, ["West"]).average,
    );

    const records = userSideRecords();
    expect(
      records.some((record) => record.path.startsWith("/api/2.0/genie/")),
    ).toBe(true);
    for (const record of records) {
      expect(bearerOf(record)).toBe(token("alice@example.com"));
    }

    const audits = auditLines();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      userName: "alice@example.com",
      userId: userIds["alice@example.com"],
      tool: "flights",
      outcome: "success",
    });
    expect(logLines.join("\n")).not.toContain("bob@example.com");
  });

  it("ignores a bearer token beside the forwarded one", async () => {
    const response = await ask({
      "x-forwarded-access-token": token("alice@example.com"),
      Authorization: `Bearer ${token("bob@example.com")}`,
    });
    expect(response.status).toBe(200);
    expect(averageDelayIn(await response.json())).toBe(
      expectedAverageDelay(2, ["West"]).average,
    );
    for (const record of stack.workspace.recorder.records) {
      expect(JSON.stringify(record)).not.toContain(token("bob@example.com"));
    }
  });

  it("rejects named identity headers without a token", async () => {
    const response = await ask(identityHeadersNaming("alice@example.com"));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(await response.json()).toMatchObject({
      error_code: "UNAUTHENTICATED",
      message: expect.stringContaining("x-forwarded-access-token"),
    });
    expect(stack.workspace.recorder.records).toHaveLength(0);
    expect(auditLines()).toHaveLength(0);
  });

  it("rejects a bearer token alone", async () => {
    const response = await ask({
      Authorization: `Bearer ${token("alice@example.com")}`,
      ...identityHeadersNaming("alice@example.com"),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error_code: "UNAUTHENTICATED",
      message: expect.stringContaining("x-forwarded-access-token"),
    });
    expect(stack.workspace.recorder.records).toHaveLength(0);
  });
});
