import { join } from "node:path";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { monthFigures } from "../genie/expected-flight-figures.js";
import { startLocalWorkspace } from "../server.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const februaryQuestion =
  "What was the average departure delay in February 2001?";

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    port: 0,
    genieStatusStepMilliseconds: 0,
    logLevel: "silent",
  });
}, 120_000);

afterAll(async () => {
  await workspace?.close();
});

function endpointName(): string {
  const endpoint = workspace.definition.servingEndpoints[0];
  if (!endpoint) {
    throw new Error("The demo definition has no serving endpoint.");
  }
  return endpoint.name;
}

function appToken(scopes: string[]): Promise<string> {
  return workspace.issueToken(workspace.servicePrincipal.clientId, { scopes });
}

function chat(token: string, body: Record<string, unknown>) {
  return fetch(`${workspace.url}/serving-endpoints/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      model: endpointName(),
      messages: [{ role: "user", content: februaryQuestion }],
      ...body,
    }),
  });
}

/**
 * Asks the demo Genie space as `userName` over HTTP and returns what a Genie tool
 * would hand the model: the text, the columns and the rows.
 */
async function askGenie(userName: string, question: string) {
  const token = await workspace.issueToken(userName, { scopes: ["genie"] });
  const space = workspace.definition.genieSpaces[0];
  const base = `${workspace.url}/api/2.0/genie/spaces/${space?.id}`;
  const headers = {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
  };

  const started = await (
    await fetch(`${base}/start-conversation`, {
      method: "POST",
      headers,
      body: JSON.stringify({ content: question }),
    })
  ).json();
  const messagePath = `${base}/conversations/${started.conversation_id}/messages/${started.message_id}`;
  let message = started.message;
  while (!["COMPLETED", "FAILED"].includes(message.status)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    message = await (await fetch(messagePath, { headers })).json();
  }

  const text = message.attachments.find(
    (attachment: { text?: unknown }) => attachment.text,
  )?.text?.content;
  const query = message.attachments.find(
    (attachment: { query?: unknown }) => attachment.query,
  );
  if (!query) {
    return { status: message.status, text, columns: [], rows: [] };
  }
  const result = await (
    await fetch(
      `${messagePath}/attachments/${query.attachment_id}/query-result`,
      { headers },
    )
  ).json();
  const statement = result.statement_response;
  return {
    status: message.status,
    text,
    sql: query.query.query,
    columns: statement.manifest.schema.columns.map(
      (column: { name: string; type_name: string }) => ({
        name: column.name,
        type: column.type_name,
      }),
    ),
    rows: statement.result.data_array,
    rowCount: statement.manifest.total_row_count,
    truncated: statement.manifest.truncated,
  };
}

describe("serving endpoint in the local workspace", () => {
  it("answers the app's service principal", async () => {
    const response = await chat(await appToken(["all-apis"]), {});
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body.model).toBe("offline-router");
    expect(body.metadata.planner).toBe("offline-router");
  });

  it("accepts the older serving scope name", async () => {
    const response = await chat(
      await appToken(["serving.serving-endpoints"]),
      {},
    );

    expect(response.status).toBe(200);
  });

  it("rejects a token without a serving scope", async () => {
    const response = await chat(await appToken(["genie"]), {});

    expect(response.status).toBe(403);
    expect((await response.json()).error_code).toBe("PERMISSION_DENIED");
  });

  it("rejects a user without CAN_QUERY", async () => {
    const token = await workspace.issueToken("alice@example.com", {
      scopes: ["model-serving"],
    });

    const response = await chat(token, {});
    const body = await response.json();

    expect(response.status).toBe(403);
    expect(body.error_code).toBe("PERMISSION_DENIED");
    expect(body.message).toContain(endpointName());
  });

  it("reports an unknown endpoint", async () => {
    const response = await chat(await appToken(["all-apis"]), {
      model: "no-such-endpoint",
    });

    expect(response.status).toBe(404);
    expect((await response.json()).error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });
});

describe("AI SDK through the local workspace", () => {
  const expected = monthFigures(2, ["West"]);

  async function setUp() {
    const questions: string[] = [];
    const provider = createOpenAICompatible({
      name: "databricks",
      baseURL: `${workspace.url}/serving-endpoints`,
      apiKey: await appToken(["all-apis"]),
      includeUsage: true,
    });
    const tools = {
      ask_flights_genie: tool({
        description:
          "Answers questions about US domestic flight delays by month, airport and state.",
        inputSchema: z.object({ question: z.string() }),
        execute: async ({ question }: { question: string }) => {
          questions.push(question);
          return askGenie("alice@example.com", question);
        },
      }),
    };
    return { model: provider.chatModel(endpointName()), tools, questions };
  }

  it("generateText answers with alice's figures", async () => {
    const { model, tools, questions } = await setUp();

    const result = await generateText({
      model,
      tools,
      stopWhen: stepCountIs(3),
      prompt: februaryQuestion,
    });

    expect(questions).toEqual([februaryQuestion]);
    expect(result.text).toContain(
      `avg_departure_delay_minutes = ${expected.roundedAverageDelay}`,
    );
    expect(result.text).toContain(`flight_count = ${expected.flightCount}`);
  });

  it("streamText answers with alice's figures", async () => {
    const { model, tools, questions } = await setUp();

    const result = streamText({
      model,
      tools,
      stopWhen: stepCountIs(3),
      prompt: februaryQuestion,
    });
    let streamed = "";
    for await (const delta of result.textStream) {
      streamed += delta;
    }

    expect(questions).toEqual([februaryQuestion]);
    expect(streamed).toContain(
      `avg_departure_delay_minutes = ${expected.roundedAverageDelay}`,
    );
    expect(streamed).toContain(`flight_count = ${expected.flightCount}`);
  });
});
