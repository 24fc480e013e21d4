import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { WorkspaceDefinition } from "../contracts.js";
import { startLocalWorkspace } from "../server.js";
import { monthFigures } from "./expected-flight-figures.js";

/**
 * Status step of the workspace under test. PGlite runs on the server's thread, so a
 * step must outlast a query for a poll to observe every status.
 */
const stepMilliseconds = 120;
const februaryQuestion =
  "What was the average departure delay in February 2001?";
const repositoryRoot = join(import.meta.dirname, "..", "..", "..");

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    port: 0,
    genieStatusStepMilliseconds: stepMilliseconds,
    logLevel: "silent",
  });
}, 120_000);

afterAll(async () => {
  await workspace?.close();
});

function userName(prefix: string): string {
  const user = workspace.definition.users.find((candidate) =>
    candidate.userName.startsWith(prefix),
  );
  if (!user) {
    throw new Error(`The demo definition has no user starting with ${prefix}.`);
  }
  return user.userName;
}

function flightsSpaceId(): string {
  const space = workspace.definition.genieSpaces.find((candidate) =>
    candidate.tables.some((table) => table.endsWith(".flights")),
  );
  if (!space) {
    throw new Error("The demo definition has no Genie space over flights.");
  }
  return space.id;
}

async function call(
  token: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
) {
  const response = await fetch(
    `${workspace.url}/api/2.0/genie/spaces/${path}`,
    {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
  );
  return { status: response.status, body: await response.json() };
}

interface Asked {
  token: string;
  conversationPath: string;
  messageId: string;
  statuses: string[];
  message: Record<string, unknown> & {
    status: string;
    attachments: Record<string, never>[];
  };
  elapsedMilliseconds: number;
}

/** Starts a conversation and polls the message until COMPLETED or FAILED. */
async function ask(
  user: string,
  question: string,
  scopes = ["genie"],
): Promise<Asked> {
  const token = await workspace.issueToken(userName(user), { scopes });
  const spaceId = flightsSpaceId();
  const startedAt = Date.now();
  const started = await call(token, "POST", `${spaceId}/start-conversation`, {
    content: question,
  });
  expect(started.status).toBe(200);

  const conversationPath = `${spaceId}/conversations/${started.body.conversation_id}`;
  const messageId: string = started.body.message_id;
  const statuses = [started.body.message.status as string];
  for (;;) {
    const polled = await call(
      token,
      "GET",
      `${conversationPath}/messages/${messageId}`,
    );
    expect(polled.status).toBe(200);
    if (statuses.at(-1) !== polled.body.status) {
      statuses.push(polled.body.status);
    }
    if (polled.body.status === "COMPLETED" || polled.body.status === "FAILED") {
      return {
        token,
        conversationPath,
        messageId,
        statuses,
        message: polled.body,
        elapsedMilliseconds: Date.now() - startedAt,
      };
    }
    if (Date.now() - startedAt > 30_000) {
      throw new Error(`Message ${messageId} is still ${polled.body.status}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Reads the query result of the message's query attachment. */
async function queryResult(asked: Asked) {
  const attachment = asked.message.attachments.find(
    (candidate) => "query" in candidate,
  ) as { attachment_id: string } | undefined;
  expect(attachment).toBeDefined();
  return call(
    asked.token,
    "GET",
    `${asked.conversationPath}/messages/${asked.messageId}/attachments/${attachment?.attachment_id}/query-result`,
  );
}

/** Returns the value of the column whose name contains `fragment` in a one-row result. */
function cell(
  statement: {
    manifest: { schema: { columns: { name: string }[] } };
    result: { data_array: (string | null)[][] };
  },
  fragment: string,
): string | null | undefined {
  const index = statement.manifest.schema.columns.findIndex((column) =>
    column.name.includes(fragment),
  );
  return statement.result.data_array[0]?.[index];
}

describe("Genie over HTTP", () => {
  it("passes through every status in order", async () => {
    // The first question also reads the airports table, so one question goes
    // first and the measured one runs only its own query.
    await ask("carol", februaryQuestion);

    const asked = await ask("alice", februaryQuestion);

    expect(asked.statuses).toEqual([
      "SUBMITTED",
      "FETCHING_METADATA",
      "ASKING_AI",
      "EXECUTING_QUERY",
      "COMPLETED",
    ]);
    expect(asked.elapsedMilliseconds).toBeGreaterThanOrEqual(
      4 * stepMilliseconds,
    );
    expect(
      Number(asked.message.last_updated_timestamp) -
        Number(asked.message.created_timestamp),
    ).toBeGreaterThanOrEqual(4 * stepMilliseconds);
  });

  it.each([
    ["alice", ["West"]],
    ["bob", ["Northeast"]],
  ] as const)("gives %s their region figure", async (user, regions) => {
    const expected = monthFigures(2, regions);

    const asked = await ask(user, februaryQuestion);
    const result = await queryResult(asked);
    const statement = result.body.statement_response;

    expect(asked.message.status).toBe("COMPLETED");
    expect(statement.status.state).toBe("SUCCEEDED");
    expect(cell(statement, "delay")).toBe(expected.roundedAverageDelay);
    expect(cell(statement, "count")).toBe(String(expected.flightCount));
  });

  it("gives carol the all-regions figure", async () => {
    const expected = monthFigures(2, "all");

    const asked = await ask("carol", februaryQuestion);
    const statement = (await queryResult(asked)).body.statement_response;

    expect(cell(statement, "delay")).toBe(expected.roundedAverageDelay);
    expect(cell(statement, "count")).toBe(String(expected.flightCount));
  });

  it("fails dave's query naming the table", async () => {
    const asked = await ask("dave", februaryQuestion);
    const error = asked.message.error as { error: string; type: string };

    expect(asked.message.status).toBe("FAILED");
    expect(error.type).toBe("SQL_EXECUTION_EXCEPTION");
    expect(error.error).toMatch(/\[[A-Z_]+\]/);
    expect(error.error).toContain("flights");
  });

  it("suggests questions when nothing matches", async () => {
    const asked = await ask("alice", "What is the weather in Denver tomorrow?");
    const space = workspace.definition.genieSpaces.find(
      (candidate) => candidate.id === flightsSpaceId(),
    );

    expect(asked.message.status).toBe("COMPLETED");
    expect(asked.message.attachments).toHaveLength(2);
    expect(asked.message.attachments[0]).toMatchObject({
      text: { content: expect.stringContaining("cannot answer") },
    });
    expect(asked.message.attachments[1]).toMatchObject({
      suggested_questions: { questions: space?.sampleQuestions },
    });
  });
});

describe("Genie access over HTTP", () => {
  it("hides alice's conversation from bob", async () => {
    const asked = await ask("alice", februaryQuestion);
    const bobToken = await workspace.issueToken(userName("bob"), {
      scopes: ["genie"],
    });

    const read = await call(
      bobToken,
      "GET",
      `${asked.conversationPath}/messages/${asked.messageId}`,
    );
    const followUp = await call(
      bobToken,
      "POST",
      `${asked.conversationPath}/messages`,
      { content: februaryQuestion },
    );

    expect(read.status).toBe(404);
    expect(read.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(followUp.status).toBe(404);
    expect(followUp.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("hides the space from a principal without CAN_RUN", async () => {
    const token = await workspace.issueToken(
      workspace.servicePrincipal.clientId,
      { scopes: ["genie"] },
    );

    const response = await call(
      token,
      "POST",
      `${flightsSpaceId()}/start-conversation`,
      { content: februaryQuestion },
    );

    expect(response.status).toBe(404);
    expect(response.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("reports an unknown space as missing", async () => {
    const token = await workspace.issueToken(userName("alice"), {
      scopes: ["genie"],
    });

    const response = await call(token, "POST", "0000/start-conversation", {
      content: februaryQuestion,
    });

    expect(response.status).toBe(404);
    expect(response.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("rejects a token without the genie scope", async () => {
    const token = await workspace.issueToken(userName("alice"), {
      scopes: ["sql"],
    });

    const response = await call(
      token,
      "POST",
      `${flightsSpaceId()}/start-conversation`,
      { content: februaryQuestion },
    );

    expect(response.status).toBe(403);
  });

  it("rejects empty content", async () => {
    const token = await workspace.issueToken(userName("alice"), {
      scopes: ["genie"],
    });

    const response = await call(
      token,
      "POST",
      `${flightsSpaceId()}/start-conversation`,
      { content: "" },
    );

    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(response.body.message).toContain("content");
  });

  it("answers a follow-up in the same conversation", async () => {
    const asked = await ask("alice", februaryQuestion);

    const followUp = await call(
      asked.token,
      "POST",
      `${asked.conversationPath}/messages`,
      { content: "What was the average departure delay in March 2001?" },
    );

    expect(followUp.status).toBe(200);
    expect(followUp.body.conversation_id).toBe(
      asked.conversationPath.split("/").at(-1),
    );
    expect(followUp.body.status).toBe("SUBMITTED");
  });
});

describe("Genie row cap over HTTP", () => {
  const everyFlightQuestion =
    "Show every flight with its date, origin, destination and delay.";
  let capped: Workspace;

  beforeAll(async () => {
    // The demo space has no query with more than 5,000 rows, so this workspace adds
    // one to a copy of the demo definition.
    const demo = parseYaml(
      await readFile(
        join(repositoryRoot, "examples", "local-workspace.yaml"),
        "utf8",
      ),
    ) as WorkspaceDefinition;
    const space = demo.genieSpaces[0];
    space?.exampleQueries.push({
      question: everyFlightQuestion,
      description: "Every visible flight, oldest first.",
      sql: "SELECT date, origin, destination, delay FROM samples.aviation.flights ORDER BY date, origin, destination",
    });
    capped = await startLocalWorkspace({
      definition: demo,
      port: 0,
      genieStatusStepMilliseconds: 0,
      logLevel: "silent",
    });
  }, 120_000);

  afterAll(async () => {
    await capped?.close();
  });

  it("cuts the result to 5,000 rows", async () => {
    const token = await capped.issueToken("carol@example.com", {
      scopes: ["genie"],
    });
    const spaceId = capped.definition.genieSpaces[0]?.id;
    const base = `${capped.url}/api/2.0/genie/spaces/${spaceId}`;
    const headers = { authorization: `Bearer ${token}` };
    const started = await (
      await fetch(`${base}/start-conversation`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ content: everyFlightQuestion }),
      })
    ).json();
    const messagePath = `${base}/conversations/${started.conversation_id}/messages/${started.message_id}`;
    let message = started.message;
    while (message.status !== "COMPLETED" && message.status !== "FAILED") {
      await new Promise((resolve) => setTimeout(resolve, 10));
      message = await (await fetch(messagePath, { headers })).json();
    }
    const query = message.attachments[0];
    const result = await (
      await fetch(
        `${messagePath}/attachments/${query.attachment_id}/query-result`,
        { headers },
      )
    ).json();
    const statement = result.statement_response;

    expect(message.status).toBe("COMPLETED");
    expect(query.query.query_result_metadata).toEqual({
      row_count: 5000,
      is_truncated: true,
    });
    expect(statement.manifest.truncated).toBe(true);
    expect(statement.manifest.total_row_count).toBe(5000);
    expect(statement.result.row_count).toBe(5000);
    expect(statement.result.data_array).toHaveLength(5000);
    expect(statement.result.data_array[0]).toHaveLength(4);
  });
});
