import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ScriptedResponse,
  type ScriptedServer,
  startScriptedServer,
} from "../../../test/helpers/scripted-server.js";
import { startLocalWorkspace } from "../server.js";
import { monthFigures } from "./expected-flight-figures.js";
import {
  findFlightsSpace,
  firstRowCell,
  GenieTestClient,
} from "./http-test-client.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const modelApiKey = "model-key-for-genie-tests";
const modelName = "small-sql-model";
const februaryCountSql =
  "SELECT COUNT(*) AS flight_count FROM samples.aviation.flights WHERE EXTRACT(MONTH FROM date) = 2";

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;
let modelServer: ScriptedServer;
let spaceId: string;
/** What the model server sends for the next chat completion. */
let nextResponse: ScriptedResponse;

function completion(content: string): ScriptedResponse {
  return {
    body: {
      id: "chatcmpl-test",
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content },
          finish_reason: "stop",
        },
      ],
    },
  };
}

beforeAll(async () => {
  modelServer = await startScriptedServer(() => nextResponse);
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    genieStatusStepMilliseconds: 0,
    modelUrl: `${modelServer.url}/v1`,
    modelApiKey,
    modelName,
    logLevel: "silent",
  });
  spaceId = findFlightsSpace(workspace.definition).id;
}, 120_000);

afterAll(async () => {
  await workspace?.close();
  await modelServer?.close();
});

async function clientFor(userName: string) {
  const token = await workspace.issueToken(userName, { scopes: ["genie"] });
  return { token, client: new GenieTestClient(workspace.url, token) };
}

describe("Genie with a model over HTTP", () => {
  it("runs the model's SQL as each user", async () => {
    nextResponse = completion(`\`\`\`sql\n${februaryCountSql};\n\`\`\``);
    const alice = await clientFor("alice@example.com");
    const carol = await clientFor("carol@example.com");

    const aliceAsked = await alice.client.ask(
      spaceId,
      "How many flights were there in February?",
    );
    const aliceResult = await alice.client.queryResult(
      spaceId,
      aliceAsked.conversationId,
      aliceAsked.message,
    );
    const carolAsked = await carol.client.ask(
      spaceId,
      "How many flights were there in February?",
    );
    const carolResult = await carol.client.queryResult(
      spaceId,
      carolAsked.conversationId,
      carolAsked.message,
    );

    expect(aliceAsked.message.status).toBe("COMPLETED");
    expect(aliceAsked.message.attachments[0].query.query).toBe(
      februaryCountSql,
    );
    expect(firstRowCell(aliceResult.body.statement_response, "count")).toBe(
      String(monthFigures(2, ["West"]).flightCount),
    );
    expect(firstRowCell(carolResult.body.statement_response, "count")).toBe(
      String(monthFigures(2, "all").flightCount),
    );
  });

  it("sends the schemas and never the user's token", async () => {
    nextResponse = completion(februaryCountSql);
    const alice = await clientFor("alice@example.com");
    const before = modelServer.requests.length;

    await alice.client.ask(spaceId, "How many flights were there in February?");

    const request = modelServer.requests[before];
    const body = JSON.parse(request?.body ?? "{}");
    const system: string = body.messages[0].content;
    const space = findFlightsSpace(workspace.definition);
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe(`Bearer ${modelApiKey}`);
    expect(body.model).toBe(modelName);
    expect(system).toContain("samples.aviation.flights");
    expect(system).toContain(
      "delay INT -- Departure delay in minutes; negative when early.",
    );
    expect(system).toContain(
      "origin STRING -- IATA code of the departure airport.",
    );
    expect(system).toContain("samples.aviation.airports");
    expect(system).toContain(space?.instructions);
    expect(body.messages.at(-1)).toEqual({
      role: "user",
      content: "How many flights were there in February?",
    });
    expect(JSON.stringify(request)).not.toContain(alice.token);
  });

  it("sends the conversation with a follow-up", async () => {
    nextResponse = completion(februaryCountSql);
    const alice = await clientFor("alice@example.com");
    const first = await alice.client.ask(
      spaceId,
      "How many flights in February?",
    );
    const before = modelServer.requests.length;

    await alice.client.ask(spaceId, "And in March?", first.conversationId);

    const body = JSON.parse(modelServer.requests[before]?.body ?? "{}");
    expect(body.messages.slice(1)).toEqual([
      { role: "user", content: "How many flights in February?" },
      { role: "assistant", content: februaryCountSql },
      { role: "user", content: "And in March?" },
    ]);
  });

  it.each([
    ["DELETE FROM samples.aviation.flights", "MISSING_SQL_QUERY_EXCEPTION"],
    [
      "SELECT 1; DROP TABLE samples.aviation.flights",
      "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
    ],
  ])("fails the message for %j", async (reply, errorType) => {
    nextResponse = completion(reply);
    const carol = await clientFor("carol@example.com");

    const asked = await carol.client.ask(spaceId, "Remove every flight.");

    expect(asked.message.status).toBe("FAILED");
    expect(asked.message.error.type).toBe(errorType);
    expect(asked.message.attachments).toEqual([]);
  });

  it("fails the message when the model server fails", async () => {
    nextResponse = { status: 500, body: { error: "overloaded" } };
    const carol = await clientFor("carol@example.com");

    const asked = await carol.client.ask(spaceId, "How many flights?");

    expect(asked.message.status).toBe("FAILED");
    expect(asked.message.error.type).toBe(
      "GENERIC_CHAT_COMPLETION_SERVICE_EXCEPTION",
    );
    expect(asked.message.error.error).toContain("HTTP 500");
  });

  it("runs the SQL without grants as dave", async () => {
    nextResponse = completion(februaryCountSql);
    const dave = await clientFor("dave@example.com");

    const asked = await dave.client.ask(
      spaceId,
      "How many flights in February?",
    );

    expect(asked.message.status).toBe("FAILED");
    expect(asked.message.error.type).toBe("SQL_EXECUTION_EXCEPTION");
    expect(asked.message.error.error).toContain("flights");
  });
});
