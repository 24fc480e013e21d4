import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { provideTokenVerifier } from "../auth/require-token.js";
import type {
  LocalWorkspaceEnv,
  Principal,
  TokenVerifier,
} from "../contracts.js";
import { createGenieRoutes } from "./routes.js";
import {
  alice,
  bob,
  FakeWarehouse,
  flightsSpace,
  monthlyDelayResult,
  testDefinition,
} from "./test-support.js";

const principals: Record<string, Principal> = Object.fromEntries(
  [alice, bob].map((principal) => [
    principal.userName,
    {
      ...principal,
      kind: "user",
      displayName: principal.userName,
      scopes: ["genie"],
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  ]),
);

/** Accepts each test user's name as its token, and "sql-only" as alice without the genie scope. */
const stubVerifier: TokenVerifier = {
  verify: async (token) => {
    const principal =
      token === "sql-only" ? principals[alice.userName] : principals[token];
    if (!principal) {
      return { valid: false, reason: "Unknown test token." };
    }
    const scopes = token === "sql-only" ? ["sql"] : principal.scopes;
    return { valid: true, principal: { ...principal, scopes } };
  },
};

function createApp() {
  const warehouse = new FakeWarehouse(() => monthlyDelayResult("7.23", "5964"));
  const app = new Hono<LocalWorkspaceEnv>();
  app.use("*", provideTokenVerifier(stubVerifier));
  app.route(
    "/",
    createGenieRoutes({
      definition: testDefinition,
      warehouse,
      options: { genieStatusStepMilliseconds: 0 },
    }),
  );

  const call = async (
    method: "GET" | "POST",
    path: string,
    token: string,
    body?: unknown,
  ) => {
    const response = await app.request(`/api/2.0/genie/spaces/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  /** Polls a message until it reaches a terminal status. */
  const poll = async (path: string, token: string) => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const response = await call("GET", path, token);
      if (["COMPLETED", "FAILED"].includes(response.body.status)) {
        return response;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`${path} did not finish.`);
  };
  return { call, poll };
}

const question = "What was the average departure delay in February 2001?";

describe("Genie routes", () => {
  it("rejects a token without the genie scope", async () => {
    const { call } = createApp();

    const response = await call(
      "POST",
      `${flightsSpace.id}/start-conversation`,
      "sql-only",
      { content: question },
    );

    expect(response.status).toBe(403);
    expect(response.body.error_code).toBe("PERMISSION_DENIED");
  });

  it("returns the start-conversation shape", async () => {
    const { call } = createApp();

    const { status, body } = await call(
      "POST",
      `${flightsSpace.id}/start-conversation`,
      alice.userName,
      { content: question },
    );

    expect(status).toBe(200);
    expect(body.conversation_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.message_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.conversation).toEqual({
      id: body.conversation_id,
      conversation_id: body.conversation_id,
      space_id: flightsSpace.id,
      title: question,
      created_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      user_id: 1001,
    });
    expect(body.message).toMatchObject({
      id: body.message_id,
      message_id: body.message_id,
      conversation_id: body.conversation_id,
      space_id: flightsSpace.id,
      content: question,
      status: "SUBMITTED",
      attachments: [],
    });
  });

  it("serves the message and its query result", async () => {
    const { call, poll } = createApp();
    const started = await call(
      "POST",
      `${flightsSpace.id}/start-conversation`,
      alice.userName,
      { content: question },
    );
    const conversationPath = `${flightsSpace.id}/conversations/${started.body.conversation_id}`;

    const message = await poll(
      `${conversationPath}/messages/${started.body.message_id}`,
      alice.userName,
    );
    const attachmentId = message.body.attachments[0].attachment_id;
    const result = await call(
      "GET",
      `${conversationPath}/messages/${started.body.message_id}/attachments/${attachmentId}/query-result`,
      alice.userName,
    );

    expect(message.body.status).toBe("COMPLETED");
    expect(message.body.attachments[0].query.statement_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(result.body).toEqual({
      statement_response: {
        statement_id: message.body.attachments[0].query.statement_id,
        status: { state: "SUCCEEDED" },
        manifest: {
          format: "JSON_ARRAY",
          schema: {
            column_count: 2,
            columns: [
              {
                name: "avg_departure_delay_minutes",
                position: 0,
                type_name: "DECIMAL",
                type_text: "DECIMAL(10,2)",
              },
              {
                name: "flight_count",
                position: 1,
                type_name: "LONG",
                type_text: "BIGINT",
              },
            ],
          },
          total_row_count: 1,
          total_chunk_count: 1,
          chunks: [{ chunk_index: 0, row_offset: 0, row_count: 1 }],
          truncated: false,
        },
        result: {
          chunk_index: 0,
          row_offset: 0,
          row_count: 1,
          data_array: [["7.23", "5964"]],
        },
      },
    });
  });

  it("answers follow-ups in the same conversation", async () => {
    const { call } = createApp();
    const started = await call(
      "POST",
      `${flightsSpace.id}/start-conversation`,
      alice.userName,
      { content: question },
    );

    const followUp = await call(
      "POST",
      `${flightsSpace.id}/conversations/${started.body.conversation_id}/messages`,
      alice.userName,
      { content: "What was the average departure delay in March 2001?" },
    );

    expect(followUp.status).toBe(200);
    expect(followUp.body.conversation_id).toBe(started.body.conversation_id);
    expect(followUp.body.status).toBe("SUBMITTED");
  });

  it.each([
    [{}, "content"],
    [{ content: "" }, "content"],
    [[1, 2], "content"],
  ])("rejects body %j", async (body, field) => {
    const { call } = createApp();

    const response = await call(
      "POST",
      `${flightsSpace.id}/start-conversation`,
      alice.userName,
      body,
    );

    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(response.body.message).toContain(field);
  });

  it("hides another user's message", async () => {
    const { call } = createApp();
    const started = await call(
      "POST",
      `${flightsSpace.id}/start-conversation`,
      alice.userName,
      { content: question },
    );

    const response = await call(
      "GET",
      `${flightsSpace.id}/conversations/${started.body.conversation_id}/messages/${started.body.message_id}`,
      bob.userName,
    );

    expect(response.status).toBe(404);
    expect(response.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });
});
