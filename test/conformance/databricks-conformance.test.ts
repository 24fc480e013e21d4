/**
 * Conformance of the local workspace with recorded Databricks responses. For every call
 * behalf's Databricks client makes, the local response is compared with the fixture of
 * the same call: shapes and enum values, not values. Then behalf's client code runs
 * against the local workspace and against a server that replays the fixtures, and must
 * reach the same typed outcome from both. One local workspace serves the whole file.
 */
import { join } from "node:path";
import { generateText, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startLocalWorkspace } from "../../local-workspace/src/server.js";
import { createServingModel } from "../../src/agent/serving-model.js";
import { createAppCredentials } from "../../src/databricks/app-credentials.js";
import { GenieClient } from "../../src/databricks/genie.js";
import { askGenie } from "../../src/databricks/genie-answer.js";
import { getCurrentUser } from "../../src/databricks/scim.js";
import { typeStatementResult } from "../../src/databricks/statement-result.js";
import { runStatement } from "../../src/databricks/statement-run.js";
import { StatementExecutionClient } from "../../src/databricks/statements.js";
import { repositoryRoot, testDataDirectory } from "../helpers/demo-stack.js";
import { loadFixture } from "../helpers/fixtures.js";
import {
  attachmentVariant,
  call,
  expectConformance,
  type HttpExchange,
  outcomeOf,
  singleAttemptClient,
} from "./conformance-support.js";
import { type FixtureServer, startFixtureServer } from "./fixture-server.js";
import { errorCodeStatuses } from "./reference-values.js";
import { expectSameChunkKinds, readServerSentEvents } from "./stream-chunks.js";
import {
  type AnswerDescription,
  describeAnswer,
  describeAuthorization,
  describeGeneration,
  describeResult,
  describeRun,
  describeShape,
  expectSameColumnTypes,
} from "./typed-outcomes.js";

const flightsSpaceId = "01f0c0ffee5ca1ab1e000000000f1a7e";
const spacePath = `/api/2.0/genie/spaces/${flightsSpaceId}`;
const warehouseId = "4b9e0c6f7a2d1e35";
const servingEndpoint = "local-chat";
const alice = "alice@example.com";
const dave = "dave@example.com";
const februaryQuestion =
  "What was the average departure delay in February 2001?";
const followUpQuestion = "How many flights departed from SFO?";
const unanswerableQuestion = "What did a ticket cost?";
/** A token the replay server accepts; it is not a JWT, so behalf sends it as it is. */
const recordedToken = "recorded-token";

/**
 * Questions per minute the local Genie accepts. The suite sends 7 questions before the
 * throughput test, which runs last and sends more until the limit returns 429.
 */
const questionsPerMinute = 9;

/** Fixture of each in-progress Genie status. */
const inProgressFixtures: Readonly<Record<string, string>> = {
  SUBMITTED: "genie-message-submitted",
  FETCHING_METADATA: "genie-message-fetching-metadata",
  FILTERING_CONTEXT: "genie-message-filtering-context",
  ASKING_AI: "genie-message-asking-ai",
  PENDING_WAREHOUSE: "genie-message-pending-warehouse",
  EXECUTING_QUERY: "genie-message-executing",
};

const terminalStatuses = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "QUERY_RESULT_EXPIRED",
]);

const attachmentUnions = {
  attachments: attachmentVariant,
  "message.attachments": attachmentVariant,
  "messages[].attachments": attachmentVariant,
};

let workspace: Awaited<ReturnType<typeof startLocalWorkspace>>;
let recorded: FixtureServer;
const tokens = new Map<string, string>();

beforeAll(async () => {
  [workspace, recorded] = await Promise.all([
    startLocalWorkspace({
      definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
      dataDirectory: testDataDirectory,
      // ASKING_AI outlasts the query that runs meanwhile, which blocks this process,
      // so that polls still see a message in progress.
      genieLatency: {
        durationsMilliseconds: {
          SUBMITTED: 100,
          FETCHING_METADATA: 100,
          ASKING_AI: 1000,
          EXECUTING_QUERY: 300,
        },
        jitter: 0,
      },
      genieQuestionsPerMinute: questionsPerMinute,
      // Long enough to cancel a statement submitted with wait_timeout 0s.
      statementQueueMilliseconds: 400,
      logLevel: "silent",
    }),
    startFixtureServer(),
  ]);
  for (const user of [alice, dave]) {
    tokens.set(user, await workspace.issueToken(user));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([workspace?.close(), recorded?.close()]);
});

beforeEach(() => {
  recorded?.reset();
});

function tokenOf(userName: string): string {
  const token = tokens.get(userName);
  if (token === undefined) {
    throw new Error(`No token for ${userName}; add the user to beforeAll.`);
  }
  return token;
}

function local(
  method: "GET" | "POST",
  path: string,
  options: Parameters<typeof call>[3] = {},
) {
  return call(workspace.url, method, path, options);
}

/** Checks that an error body's `error_code` belongs to the HTTP status it came with. */
function expectErrorCodeOfStatus(exchange: HttpExchange): void {
  expect(errorCodeStatuses[exchange.body?.error_code], exchange.text).toBe(
    exchange.status,
  );
}

describe("OAuth token endpoint", () => {
  const tokenPath = "/oidc/v1/token";
  const form = { grant_type: "client_credentials", scope: "all-apis" };

  it("returns a client credentials token", async () => {
    const response = await local("POST", tokenPath, {
      form,
      basic: workspace.servicePrincipal,
    });
    expect(response.status).toBe(200);
    expectConformance("oauth-token", response.body);

    const localOutcome = await outcomeOf(
      () =>
        createAppCredentials({
          host: workspace.url,
          ...workspace.servicePrincipal,
        }).authorization(),
      describeAuthorization,
    );
    recorded.route("POST", tokenPath, { body: loadFixture("oauth-token") });
    const recordedOutcome = await outcomeOf(
      () =>
        createAppCredentials({
          host: recorded.url,
          clientId: "recorded-client",
          clientSecret: "recorded-secret",
        }).authorization(),
      describeAuthorization,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({ ok: true, value: "Bearer <token>" });
  });

  it("rejects a wrong client secret with an OAuth error body", async () => {
    const response = await local("POST", tokenPath, {
      form,
      basic: {
        clientId: workspace.servicePrincipal.clientId,
        clientSecret: "wrong-secret",
      },
    });
    expect(response.status).toBe(401);
    expectConformance("oauth-error-invalid-client", response.body);

    const wrongSecret = (host: string) =>
      createAppCredentials({
        host,
        clientId: workspace.servicePrincipal.clientId,
        clientSecret: "wrong-secret",
      }).authorization();
    const localOutcome = await outcomeOf(
      () => wrongSecret(workspace.url),
      describeAuthorization,
    );
    // RFC 6749 section 5.2: 401 for invalid_client with HTTP Basic authentication.
    recorded.route("POST", tokenPath, {
      status: 401,
      body: loadFixture("oauth-error-invalid-client"),
    });
    const recordedOutcome = await outcomeOf(
      () => wrongSecret(recorded.url),
      describeAuthorization,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toMatchObject({
      error: { errorClass: "AuthenticationError", code: "UNAUTHENTICATED" },
    });
  });
});

describe("SCIM Me", () => {
  const mePath = "/api/2.0/preview/scim/v2/Me";

  it("describes the caller", async () => {
    const response = await local("GET", mePath, { token: tokenOf(alice) });
    expect(response.status).toBe(200);
    expectConformance("scim-me", response.body);

    const localOutcome = await outcomeOf(
      () => getCurrentUser(singleAttemptClient(workspace.url, tokenOf(alice))),
      describeShape,
    );
    recorded.route("GET", mePath, { body: loadFixture("scim-me") });
    const recordedOutcome = await outcomeOf(
      () => getCurrentUser(singleAttemptClient(recorded.url, recordedToken)),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: true,
      value: { id: "string", userName: "string", displayName: "string" },
    });
  });
});

/** Every Genie response of one conversation as alice and one failed question as dave. */
interface GenieTraffic {
  started: HttpExchange;
  inProgress: Map<string, unknown>;
  completed: unknown;
  queryResult: HttpExchange;
  executeQuery: HttpExchange;
  followUp: HttpExchange;
  messagePage: HttpExchange;
  feedback: HttpExchange;
  textOnly: unknown;
  conversationPage: HttpExchange;
  failed: unknown;
}

describe("Genie conversations", () => {
  let traffic: GenieTraffic;

  beforeAll(async () => {
    traffic = await recordGenieTraffic();
  }, 60_000);

  it("start a conversation", () => {
    expect(traffic.started.status).toBe(200);
    expectConformance("genie-start-conversation", traffic.started.body, {
      unions: attachmentUnions,
    });
  });

  it("report each in-progress status", () => {
    // The start response contains the SUBMITTED message, and a poll may see it too.
    const observed = new Map([
      ["SUBMITTED", traffic.started.body.message],
      ...traffic.inProgress,
    ]);
    console.info(
      `in-progress statuses polled: ${[...traffic.inProgress.keys()].join(", ")}`,
    );
    expect(traffic.inProgress.size).toBeGreaterThan(0);
    for (const [status, body] of observed) {
      const fixture = inProgressFixtures[status];
      expect(fixture, `fixture of ${status}`).toBeDefined();
      expectConformance(fixture ?? "", body, { unions: attachmentUnions });
    }
  });

  it("complete a message with a query and a text", () => {
    const report = expectConformance(
      "genie-message-completed",
      traffic.completed,
      { unions: attachmentUnions },
    );
    // The answer to a question that matches an example has no suggestions.
    expect(report.notCompared).toEqual([
      "attachments[] variant suggested_questions (not in the actual array)",
    ]);
  });

  it("return the query result", () => {
    expect(traffic.queryResult.status).toBe(200);
    expectConformance("genie-query-result", traffic.queryResult.body);
  });

  it("run the query again", () => {
    expect(traffic.executeQuery.status).toBe(200);
    expectConformance("genie-execute-query", traffic.executeQuery.body);
  });

  it("accept a follow-up message", () => {
    expect(traffic.followUp.status).toBe(200);
    expectConformance("genie-create-message", traffic.followUp.body, {
      unions: attachmentUnions,
    });
  });

  it("list a conversation's messages", () => {
    expect(traffic.messagePage.status).toBe(200);
    const report = expectConformance(
      "genie-list-messages",
      traffic.messagePage.body,
      { unions: attachmentUnions },
    );
    expect(report.notCompared).toEqual([]);
  });

  it("accept feedback", () => {
    expect(traffic.feedback.status).toBe(200);
    expectConformance("genie-send-feedback", traffic.feedback.body);
  });

  it("answer with a text and suggestions", () => {
    const report = expectConformance(
      "genie-message-text-only",
      traffic.textOnly,
      { unions: attachmentUnions },
    );
    expect(report.notCompared).toEqual([]);
  });

  it("list the caller's conversations", () => {
    expect(traffic.conversationPage.status).toBe(200);
    expectConformance(
      "genie-list-conversations",
      traffic.conversationPage.body,
    );
  });

  it("fail a message whose query the user may not run", () => {
    expectConformance("genie-message-failed", traffic.failed, {
      unions: attachmentUnions,
    });
  });
});

/**
 * Asks the questions of the Genie tests and keeps every response. The three
 * conversations run at the same time, and the list of conversations is read last.
 */
async function recordGenieTraffic(): Promise<GenieTraffic> {
  const [main, textOnly, failed] = await Promise.all([
    recordMainConversation(),
    askAndWait(tokenOf(alice), unanswerableQuestion),
    askAndWait(tokenOf(dave), februaryQuestion),
  ]);
  const conversationPage = await local(
    "GET",
    `${spacePath}/conversations?page_size=1`,
    { token: tokenOf(alice) },
  );

  expect(textOnly.completed.status).toBe("COMPLETED");
  expect(failed.completed.status).toBe("FAILED");
  return {
    ...main,
    textOnly: textOnly.completed,
    conversationPage,
    failed: failed.completed,
  };
}

/**
 * Asks alice's question, reads its result, runs its query again, sends a follow-up with
 * feedback and lists the conversation's newest message.
 */
async function recordMainConversation() {
  const token = tokenOf(alice);
  const inProgress = new Map<string, unknown>();
  const { started, completed, messagePath } = await askAndWait(
    token,
    februaryQuestion,
    inProgress,
  );
  expect(completed.status).toBe("COMPLETED");

  const attachmentId = completed.attachments.find(
    (attachment: { query?: unknown }) => attachment.query !== undefined,
  )?.attachment_id;
  const attachmentPath = `${messagePath}/attachments/${attachmentId}`;
  const queryResult = await local("GET", `${attachmentPath}/query-result`, {
    token,
  });
  const executeQuery = await local("POST", `${attachmentPath}/execute-query`, {
    token,
    json: {},
  });

  const conversationPath = `${spacePath}/conversations/${started.body.conversation_id}`;
  const followUp = await local("POST", `${conversationPath}/messages`, {
    token,
    json: { content: followUpQuestion },
  });
  const followUpPath = `${conversationPath}/messages/${followUp.body.message_id}`;
  await pollMessage(token, followUpPath);
  const messagePage = await local(
    "GET",
    `${conversationPath}/messages?page_size=1`,
    { token },
  );
  const feedback = await local("POST", `${followUpPath}/feedback`, {
    token,
    json: { rating: "POSITIVE" },
  });

  return {
    started,
    inProgress,
    completed,
    queryResult,
    executeQuery,
    followUp,
    messagePage,
    feedback,
  };
}

/** Starts a conversation with one question and polls its message until it ends. */
async function askAndWait(
  token: string,
  content: string,
  inProgress = new Map<string, unknown>(),
) {
  const started = await local("POST", `${spacePath}/start-conversation`, {
    token,
    json: { content },
  });
  expect(started.status, started.text).toBe(200);
  const messagePath = `${spacePath}/conversations/${started.body.conversation_id}/messages/${started.body.message_id}`;
  const completed = await pollMessage(token, messagePath, inProgress);
  return { started, completed, messagePath };
}

/**
 * Polls a message every 20 ms until it reaches a terminal status, and returns the
 * terminal body. The first body of each in-progress status goes into `inProgress`.
 */
async function pollMessage(
  token: string,
  messagePath: string,
  inProgress = new Map<string, unknown>(),
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are plain JSON
): Promise<any> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const response = await local("GET", messagePath, { token });
    expect(response.status, response.text).toBe(200);
    const status: string = response.body.status;
    if (terminalStatuses.has(status)) {
      return response.body;
    }
    if (!inProgress.has(status)) {
      inProgress.set(status, response.body);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${messagePath} did not finish within 20 s.`);
}

describe("Genie spaces", () => {
  it("get a space", async () => {
    const response = await local("GET", spacePath, { token: tokenOf(alice) });
    expect(response.status).toBe(200);
    expectConformance("genie-space", response.body, {});
  });

  it("list spaces", async () => {
    const response = await local("GET", "/api/2.0/genie/spaces?page_size=1", {
      token: tokenOf(alice),
    });
    expect(response.status).toBe(200);
    expectConformance("genie-list-spaces", response.body, {});
  });
});

describe("Genie answers through behalf's client", () => {
  const messageRoute =
    "/api/2.0/genie/spaces/:space/conversations/:conversation/messages/:message";

  function genieOf(host: string, token: string): GenieClient {
    return new GenieClient(singleAttemptClient(host, token));
  }

  function ask(host: string, token: string) {
    return askGenie(
      genieOf(host, token),
      { spaceId: flightsSpaceId, content: februaryQuestion },
      { pollDelay: () => 25 },
    );
  }

  it("reach the same typed answer", async () => {
    const localOutcome = await outcomeOf(
      () => ask(workspace.url, tokenOf(alice)),
      describeAnswer,
    );
    recorded.route("POST", "/api/2.0/genie/spaces/:space/start-conversation", {
      body: loadFixture("genie-start-conversation"),
    });
    recorded.route(
      "GET",
      messageRoute,
      { body: loadFixture("genie-message-submitted") },
      { body: loadFixture("genie-message-executing") },
      { body: loadFixture("genie-message-completed") },
    );
    recorded.route(
      "GET",
      `${messageRoute}/attachments/:attachment/query-result`,
      {
        body: loadFixture("genie-query-result"),
      },
    );
    const recordedOutcome = await outcomeOf(
      () => ask(recorded.url, recordedToken),
      describeAnswer,
    );

    expect(localOutcome.ok, JSON.stringify(localOutcome)).toBe(true);
    expect(recordedOutcome.ok, JSON.stringify(recordedOutcome)).toBe(true);
    const localAnswer = (localOutcome as { value: AnswerDescription }).value;
    const recordedAnswer = (recordedOutcome as { value: AnswerDescription })
      .value;
    expect(localAnswer.summary).toEqual(recordedAnswer.summary);
    expectSameColumnTypes(localAnswer.result, recordedAnswer.result);
  });

  it("reach the same typed failure", async () => {
    const localOutcome = await outcomeOf(
      () => ask(workspace.url, tokenOf(dave)),
      describeAnswer,
    );
    recorded.route("POST", "/api/2.0/genie/spaces/:space/start-conversation", {
      body: loadFixture("genie-start-conversation"),
    });
    recorded.route("GET", messageRoute, {
      body: loadFixture("genie-message-failed"),
    });
    const recordedOutcome = await outcomeOf(
      () => ask(recorded.url, recordedToken),
      describeAnswer,
    );

    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: false,
      error: {
        errorClass: "GenieMessageFailedError",
        code: "GENIE_MESSAGE_FAILED",
        genieStatus: "FAILED",
        genieErrorType: "SQL_EXECUTION_EXCEPTION",
      },
    });
  });

  it("type a query that runs again the same way", async () => {
    const answer = await ask(workspace.url, tokenOf(alice));
    const attachmentId = answer.query?.attachmentId ?? "";
    const localResult = typeStatementResult(
      await genieOf(workspace.url, tokenOf(alice)).executeQuery(
        answer.reference,
        attachmentId,
      ),
    );
    recorded.route(
      "POST",
      `${messageRoute}/attachments/:attachment/execute-query`,
      { body: loadFixture("genie-execute-query") },
    );
    const recordedResult = typeStatementResult(
      await genieOf(recorded.url, recordedToken).executeQuery(
        answer.reference,
        attachmentId,
      ),
    );
    expectSameColumnTypes(
      describeResult(localResult),
      describeResult(recordedResult),
    );
  });
});

describe("Genie errors", () => {
  const startPath = `${spacePath}/start-conversation`;

  function start(host: string, token: string, spaceId = flightsSpaceId) {
    return new GenieClient(singleAttemptClient(host, token)).startConversation(
      spaceId,
      februaryQuestion,
    );
  }

  it("reject an invalid token with 401", async () => {
    const response = await local("POST", startPath, {
      token: "not-a-token",
      json: { content: februaryQuestion },
    });
    expect(response.status).toBe(401);
    expectConformance("error-unauthenticated", response.body);
    expectErrorCodeOfStatus(response);

    const localOutcome = await outcomeOf(
      () => start(workspace.url, "not-a-token"),
      describeShape,
    );
    recorded.route("POST", startPath, {
      status: 401,
      body: loadFixture("error-unauthenticated"),
    });
    const recordedOutcome = await outcomeOf(
      () => start(recorded.url, recordedToken),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: false,
      error: { errorClass: "AuthenticationError", code: "UNAUTHENTICATED" },
    });
  });

  it("reject a token without the genie scope with 403", async () => {
    const sqlOnly = await workspace.issueToken(alice, { scopes: ["sql"] });
    const response = await local("POST", startPath, {
      token: sqlOnly,
      json: { content: februaryQuestion },
    });
    expect(response.status).toBe(403);
    expectConformance("error-missing-scope", response.body);
    expectErrorCodeOfStatus(response);

    const localOutcome = await outcomeOf(
      () => start(workspace.url, sqlOnly),
      describeShape,
    );
    recorded.route("POST", startPath, {
      status: 403,
      body: loadFixture("error-missing-scope"),
    });
    const recordedOutcome = await outcomeOf(
      () => start(recorded.url, recordedToken),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: false,
      error: {
        errorClass: "MissingScopeError",
        code: "MISSING_SCOPE",
        missingScopes: ["genie"],
      },
    });
  });

  it("answer 404 RESOURCE_DOES_NOT_EXIST for an unknown space", async () => {
    const unknownSpace = "01f0000000000000000000000000dead";
    const path = `/api/2.0/genie/spaces/${unknownSpace}/start-conversation`;
    const response = await local("POST", path, {
      token: tokenOf(alice),
      json: { content: februaryQuestion },
    });
    expect(response.status).toBe(404);
    expectConformance("error-resource-does-not-exist", response.body);
    expect(response.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");

    const localOutcome = await outcomeOf(
      () => start(workspace.url, tokenOf(alice), unknownSpace),
      describeShape,
    );
    recorded.route("POST", path, {
      status: 404,
      body: loadFixture("error-resource-does-not-exist"),
    });
    const recordedOutcome = await outcomeOf(
      () => start(recorded.url, recordedToken, unknownSpace),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: false,
      error: { errorClass: "NotFoundError", code: "NOT_FOUND" },
    });
  });
});

describe("Statement Execution", () => {
  const statementsPath = "/api/2.0/sql/statements";
  const februarySql =
    "SELECT ROUND(AVG(delay), 2) AS avg_departure_delay_minutes, COUNT(*) AS flight_count " +
    "FROM samples.aviation.flights WHERE EXTRACT(MONTH FROM date) = 2";
  /** 1,200 rows: three chunks of the local workspace's 500 rows. */
  const chunkedSql =
    "SELECT origin, delay FROM samples.aviation.flights ORDER BY date, origin, delay LIMIT 1200";

  function statementsOf(host: string, token: string) {
    return new StatementExecutionClient(singleAttemptClient(host, token));
  }

  function run(host: string, token: string, statement: string) {
    return runStatement(
      statementsOf(host, token),
      { statement, warehouseId, rowLimit: 5000 },
      { deadlineMilliseconds: 20_000, pollDelay: () => 50 },
    );
  }

  it("execute and get a statement", async () => {
    const token = tokenOf(alice);
    const executed = await local("POST", statementsPath, {
      token,
      json: { statement: februarySql, warehouse_id: warehouseId },
    });
    expect(executed.status).toBe(200);
    expect(executed.body.status.state).toBe("SUCCEEDED");
    expectConformance("sql-statement-succeeded", executed.body);
    const fetched = await local(
      "GET",
      `${statementsPath}/${executed.body.statement_id}`,
      { token },
    );
    expectConformance("sql-statement-succeeded", fetched.body);

    const localOutcome = await outcomeOf(
      () => run(workspace.url, token, februarySql),
      describeRun,
    );
    recorded.route("POST", statementsPath, {
      body: loadFixture("sql-statement-succeeded"),
    });
    const recordedOutcome = await outcomeOf(
      () => run(recorded.url, recordedToken, februarySql),
      describeRun,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toMatchObject({
      ok: true,
      value: {
        columns: [
          { name: "avg_departure_delay_minutes", type: "DECIMAL" },
          { name: "flight_count", type: "LONG" },
        ],
      },
    });
  });

  it("split a result into chunks", async () => {
    const token = tokenOf(alice);
    const executed = await local("POST", statementsPath, {
      token,
      json: { statement: chunkedSql, warehouse_id: warehouseId },
    });
    expectConformance("sql-statement-succeeded-chunked", executed.body);
    const chunkPath = `${statementsPath}/${executed.body.statement_id}/result/chunks`;
    const middle = await local("GET", `${chunkPath}/1`, { token });
    const last = await local("GET", `${chunkPath}/2`, { token });
    expect(middle.status).toBe(200);
    expectConformance("sql-result-chunk-1", middle.body);
    expect(last.status).toBe(200);
    expectConformance("sql-result-chunk-2", last.body);

    const localOutcome = await outcomeOf(
      () => run(workspace.url, token, chunkedSql),
      describeRun,
    );
    recorded.route("POST", statementsPath, {
      body: loadFixture("sql-statement-succeeded-chunked"),
    });
    recorded.route("GET", `${statementsPath}/:statement/result/chunks/1`, {
      body: loadFixture("sql-result-chunk-1"),
    });
    recorded.route("GET", `${statementsPath}/:statement/result/chunks/2`, {
      body: loadFixture("sql-result-chunk-2"),
    });
    const recordedOutcome = await outcomeOf(
      () => run(recorded.url, recordedToken, chunkedSql),
      describeRun,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toMatchObject({
      ok: true,
      value: { everyRowRead: true, truncated: false },
    });
  });

  it("cancel a pending statement", async () => {
    const token = tokenOf(alice);
    const pending = await local("POST", statementsPath, {
      token,
      json: {
        statement: februarySql,
        warehouse_id: warehouseId,
        wait_timeout: "0s",
      },
    });
    expect(pending.body.status.state).toBe("PENDING");
    expectConformance("sql-statement-pending", pending.body);
    const statementPath = `${statementsPath}/${pending.body.statement_id}`;
    const cancelled = await local("POST", `${statementPath}/cancel`, {
      token,
      json: {},
    });
    expect(cancelled.status).toBe(200);
    expectConformance("sql-statement-cancel", cancelled.body);
    const canceled = await local("GET", statementPath, { token });
    expect(canceled.body.status.state).toBe("CANCELED");
    expectConformance("sql-statement-canceled", canceled.body);

    const again = await local("POST", statementsPath, {
      token,
      json: {
        statement: februarySql,
        warehouse_id: warehouseId,
        wait_timeout: "0s",
      },
    });
    const localOutcome = await outcomeOf(
      () =>
        statementsOf(workspace.url, token).cancelStatement(
          again.body.statement_id,
        ),
      describeShape,
    );
    recorded.route("POST", `${statementsPath}/:statement/cancel`, {
      body: loadFixture("sql-statement-cancel"),
    });
    const recordedOutcome = await outcomeOf(
      () =>
        statementsOf(recorded.url, recordedToken).cancelStatement("recorded"),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({ ok: true, value: "undefined" });
  });

  it.each([
    {
      fixture: "sql-statement-failed",
      userName: alice,
      statement: "SELECT origin FROM samples.aviation.flight",
      error: {
        code: "INVALID_REQUEST",
        sqlErrorClass: "TABLE_OR_VIEW_NOT_FOUND",
      },
    },
    {
      fixture: "sql-statement-failed-permission",
      userName: dave,
      statement: februarySql,
      error: {
        code: "PERMISSION_DENIED",
        sqlErrorClass: "INSUFFICIENT_PERMISSIONS",
      },
    },
  ])("report a FAILED statement like $fixture", async (failure) => {
    const token = tokenOf(failure.userName);
    const executed = await local("POST", statementsPath, {
      token,
      json: { statement: failure.statement, warehouse_id: warehouseId },
    });
    expect(executed.status).toBe(200);
    expect(executed.body.status.state).toBe("FAILED");
    expectConformance(failure.fixture, executed.body);

    const localOutcome = await outcomeOf(
      () => run(workspace.url, token, failure.statement),
      describeRun,
    );
    recorded.route("POST", statementsPath, {
      body: loadFixture(failure.fixture),
    });
    const recordedOutcome = await outcomeOf(
      () => run(recorded.url, recordedToken, failure.statement),
      describeRun,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: false,
      error: {
        errorClass: "StatementFailedError",
        state: "FAILED",
        ...failure.error,
      },
    });
  });

  it.each([
    {
      fixture: "sql-error-missing-scope",
      status: 403,
      scopes: ["genie"],
      warehouse: warehouseId,
      error: {
        errorClass: "MissingScopeError",
        code: "MISSING_SCOPE",
        missingScopes: ["sql"],
      },
    },
    {
      fixture: "sql-error-warehouse-not-found",
      status: 404,
      scopes: ["all-apis"],
      warehouse: "0123456789abcdef",
      error: { errorClass: "NotFoundError", code: "NOT_FOUND" },
    },
  ])("reject a request like $fixture", async (rejection) => {
    const token = await workspace.issueToken(alice, {
      scopes: rejection.scopes,
    });
    const body = { statement: februarySql, warehouse_id: rejection.warehouse };
    const response = await local("POST", statementsPath, { token, json: body });
    expect(response.status).toBe(rejection.status);
    expectConformance(rejection.fixture, response.body);
    expectErrorCodeOfStatus(response);

    const localOutcome = await outcomeOf(
      () => statementsOf(workspace.url, token).executeStatement(body),
      describeShape,
    );
    recorded.route("POST", statementsPath, {
      status: rejection.status,
      body: loadFixture(rejection.fixture),
    });
    const recordedOutcome = await outcomeOf(
      () => statementsOf(recorded.url, recordedToken).executeStatement(body),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({ ok: false, error: rejection.error });
  });
});

describe("serving chat completions", () => {
  const completionsPath = "/serving-endpoints/chat/completions";
  const flightsTool = tool({
    description:
      "Answers questions about departure delays of US domestic flights.",
    inputSchema: z.object({ question: z.string() }),
  });

  function modelOf(host: string) {
    const appCredentials =
      host === workspace.url
        ? createAppCredentials({ host, ...workspace.servicePrincipal })
        : createAppCredentials({ host, token: recordedToken });
    return createServingModel({
      host,
      endpoint: servingEndpoint,
      appCredentials,
    });
  }

  async function appToken(): Promise<string> {
    const response = await local("POST", "/oidc/v1/token", {
      form: { grant_type: "client_credentials", scope: "all-apis" },
      basic: workspace.servicePrincipal,
    });
    return response.body.access_token;
  }

  function completionRequest(withTools: boolean, stream: boolean) {
    return {
      model: servingEndpoint,
      messages: [{ role: "user", content: februaryQuestion }],
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      ...(withTools
        ? {
            tools: [
              {
                type: "function",
                function: {
                  name: "flights",
                  description:
                    "Answers questions about departure delays of US domestic flights.",
                  parameters: {
                    type: "object",
                    properties: { question: { type: "string" } },
                    required: ["question"],
                  },
                },
              },
            ],
          }
        : {}),
    };
  }

  it.each([
    { fixture: "serving-chat-completion", withTools: false },
    { fixture: "serving-chat-completion-tool-calls", withTools: true },
  ])("answer like $fixture", async ({ fixture, withTools }) => {
    const response = await local("POST", completionsPath, {
      token: await appToken(),
      json: completionRequest(withTools, false),
    });
    expect(response.status).toBe(200);
    expectConformance(fixture, response.body);

    const generate = (host: string) =>
      generateText({
        model: modelOf(host),
        prompt: februaryQuestion,
        ...(withTools ? { tools: { flights: flightsTool } } : {}),
      });
    const localOutcome = await outcomeOf(
      () => generate(workspace.url),
      describeGeneration,
    );
    recorded.route("POST", completionsPath, { body: loadFixture(fixture) });
    const recordedOutcome = await outcomeOf(
      () => generate(recorded.url),
      describeGeneration,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toMatchObject({
      ok: true,
      value: { finishReason: withTools ? "tool-calls" : "stop" },
    });
  });

  it.each([
    { fixture: "serving-chat-completion-stream", withTools: false },
    { fixture: "serving-chat-completion-tool-calls-stream", withTools: true },
  ])("stream like $fixture", async ({ fixture, withTools }) => {
    const response = await local("POST", completionsPath, {
      token: await appToken(),
      json: completionRequest(withTools, true),
    });
    expect(response.status).toBe(200);
    const localChunks = readServerSentEvents(response.text);
    const recordedChunks = loadFixture<{ events: object[] }>(fixture).events;
    expectSameChunkKinds(fixture, recordedChunks, localChunks);

    const stream = async (host: string) => {
      const result = streamText({
        model: modelOf(host),
        prompt: februaryQuestion,
        ...(withTools ? { tools: { flights: flightsTool } } : {}),
      });
      const partTypes = new Set<string>();
      for await (const part of result.fullStream) {
        partTypes.add(part.type);
      }
      return {
        partTypes: [...partTypes].sort(),
        finishReason: await result.finishReason,
      };
    };
    const localOutcome = await outcomeOf(
      () => stream(workspace.url),
      (value) => value,
    );
    recorded.route("POST", completionsPath, {
      text: recordedChunks
        .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
        .join(""),
      headers: { "Content-Type": "text/event-stream" },
    });
    const recordedOutcome = await outcomeOf(
      () => stream(recorded.url),
      (value) => value,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toMatchObject({
      ok: true,
      value: { finishReason: withTools ? "tool-calls" : "stop" },
    });
  });
});

// This block runs last: once the limit answers 429, Genie accepts no question for a minute.
describe("Genie throughput limit", () => {
  it("answers 429 with Retry-After", async () => {
    const startPath = `${spacePath}/start-conversation`;
    let limited: HttpExchange | undefined;
    for (
      let attempt = 0;
      attempt <= questionsPerMinute && !limited;
      attempt++
    ) {
      const response = await local("POST", startPath, {
        token: tokenOf(alice),
        json: { content: unanswerableQuestion },
      });
      limited = response.status === 429 ? response : undefined;
    }
    expect(
      limited,
      `no 429 after ${questionsPerMinute + 1} questions`,
    ).toBeDefined();
    const response = limited as HttpExchange;
    expectConformance("error-rate-limited", response.body);
    expectErrorCodeOfStatus(response);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);

    const start = (host: string, token: string) =>
      new GenieClient(singleAttemptClient(host, token)).startConversation(
        flightsSpaceId,
        unanswerableQuestion,
      );
    const localOutcome = await outcomeOf(
      () => start(workspace.url, tokenOf(alice)),
      describeShape,
    );
    recorded.route("POST", startPath, {
      status: 429,
      headers: { "Retry-After": "7" },
      body: loadFixture("error-rate-limited"),
    });
    const recordedOutcome = await outcomeOf(
      () => start(recorded.url, recordedToken),
      describeShape,
    );
    expect(localOutcome).toEqual(recordedOutcome);
    expect(recordedOutcome).toEqual({
      ok: false,
      error: {
        errorClass: "RateLimitError",
        code: "RATE_LIMITED",
        retryAfterSeconds: "number",
      },
    });
  });
});
