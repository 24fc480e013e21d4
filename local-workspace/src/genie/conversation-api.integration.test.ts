import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { WorkspaceDefinition } from "../contracts.js";
import { startLocalWorkspace } from "../server.js";
import { monthFigures, originMonthFigures } from "./expected-flight-figures.js";
import {
  findFlightsSpace,
  firstRowCell,
  GenieTestClient,
} from "./http-test-client.js";

const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const februaryQuestion =
  "What was the average departure delay in February 2001?";
const financeSpaceId = "01f0finance0000000000000000000001";

type Workspace = Awaited<ReturnType<typeof startLocalWorkspace>>;
let workspace: Workspace;
let spaceId: string;

/**
 * Reads the demo definition and adds CAN_MANAGE for carol on the flights space, and a
 * second space that only the finance group may view.
 */
async function definitionWithManagerAndFinanceSpace(): Promise<WorkspaceDefinition> {
  const demo = parseYaml(
    await readFile(
      join(repositoryRoot, "examples", "local-workspace.yaml"),
      "utf8",
    ),
  ) as WorkspaceDefinition;
  const flights = findFlightsSpace(demo);
  flights.permissions.push({
    principal: "carol@example.com",
    level: "CAN_MANAGE",
  });
  demo.genieSpaces.push({
    ...flights,
    id: financeSpaceId,
    title: "Finance only",
    permissions: [{ principal: "finance", level: "CAN_VIEW" }],
  });
  return demo;
}

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: await definitionWithManagerAndFinanceSpace(),
    genieStatusStepMilliseconds: 0,
    logLevel: "silent",
  });
  spaceId = findFlightsSpace(workspace.definition).id;
}, 120_000);

afterAll(async () => {
  await workspace?.close();
});

async function clientFor(userName: string): Promise<GenieTestClient> {
  const token = await workspace.issueToken(userName, { scopes: ["genie"] });
  return new GenieTestClient(workspace.url, token);
}

describe("Genie follow-ups over HTTP", () => {
  it("answers follow-ups from the conversation", async () => {
    const alice = await clientFor("alice@example.com");
    const first = await alice.ask(spaceId, februaryQuestion);

    const march = await alice.ask(
      spaceId,
      "And in March?",
      first.conversationId,
    );
    const marchResult = await alice.queryResult(
      spaceId,
      first.conversationId,
      march.message,
    );
    const seattle = await alice.ask(
      spaceId,
      "What about from SEA?",
      first.conversationId,
    );
    const seattleResult = await alice.queryResult(
      spaceId,
      first.conversationId,
      seattle.message,
    );

    const westMarch = monthFigures(3, ["West"]);
    const seattleMarch = originMonthFigures("SEA", 3);
    expect(march.message.status).toBe("COMPLETED");
    expect(firstRowCell(marchResult.body.statement_response, "delay")).toBe(
      westMarch.roundedAverageDelay,
    );
    expect(firstRowCell(marchResult.body.statement_response, "count")).toBe(
      String(westMarch.flightCount),
    );
    expect(seattle.message.attachments[0].query.query).toContain("'SEA'");
    expect(firstRowCell(seattleResult.body.statement_response, "count")).toBe(
      String(seattleMarch.flightCount),
    );
    expect(firstRowCell(seattleResult.body.statement_response, "delay")).toBe(
      seattleMarch.roundedAverageDelay,
    );
  });

  it("keeps each user's follow-ups to their rows", async () => {
    const bob = await clientFor("bob@example.com");
    const first = await bob.ask(spaceId, februaryQuestion);

    const march = await bob.ask(spaceId, "And in March?", first.conversationId);
    const result = await bob.queryResult(
      spaceId,
      first.conversationId,
      march.message,
    );

    expect(firstRowCell(result.body.statement_response, "count")).toBe(
      String(monthFigures(3, ["Northeast"]).flightCount),
    );
  });
});

describe("Genie history over HTTP", () => {
  it("lists own conversations, most recent first", async () => {
    const dave = await clientFor("dave@example.com");
    const bob = await clientFor("bob@example.com");
    const titles = ["How many flights departed from SFO?", februaryQuestion];
    const started = [];
    for (const title of titles) {
      started.push(
        await dave.call("POST", `spaces/${spaceId}/start-conversation`, {
          content: title,
        }),
      );
    }

    const firstPage = await dave.call(
      "GET",
      `spaces/${spaceId}/conversations?page_size=1`,
    );
    const secondPage = await dave.call(
      "GET",
      `spaces/${spaceId}/conversations?page_size=1&page_token=${firstPage.body.next_page_token}`,
    );
    const bobsList = await bob.call("GET", `spaces/${spaceId}/conversations`);

    expect(firstPage.status).toBe(200);
    expect(firstPage.body.conversations).toEqual([
      {
        conversation_id: started[1]?.body.conversation_id,
        title: februaryQuestion,
        created_timestamp: expect.any(Number),
        agent_type: "GENIE_CONVERSATION_TYPE_CHAT",
      },
    ]);
    expect(secondPage.body.conversations[0].conversation_id).toBe(
      started[0]?.body.conversation_id,
    );
    expect(secondPage.body.next_page_token).toBeUndefined();
    expect(
      bobsList.body.conversations.map(
        (conversation: { conversation_id: string }) =>
          conversation.conversation_id,
      ),
    ).not.toContain(started[0]?.body.conversation_id);
  });

  it("lists everyone's conversations for CAN_MANAGE only", async () => {
    const alice = await clientFor("alice@example.com");
    const carol = await clientFor("carol@example.com");
    const started = await alice.call(
      "POST",
      `spaces/${spaceId}/start-conversation`,
      {
        content: februaryQuestion,
      },
    );

    const aliceAll = await alice.call(
      "GET",
      `spaces/${spaceId}/conversations?include_all=true`,
    );
    const carolAll = await carol.call(
      "GET",
      `spaces/${spaceId}/conversations?include_all=true&page_size=100`,
    );
    const carolOwn = await carol.call("GET", `spaces/${spaceId}/conversations`);

    expect(aliceAll.status).toBe(403);
    expect(aliceAll.body.error_code).toBe("PERMISSION_DENIED");
    expect(carolAll.status).toBe(200);
    expect(
      carolAll.body.conversations.map(
        (conversation: { conversation_id: string }) =>
          conversation.conversation_id,
      ),
    ).toContain(started.body.conversation_id);
    expect(carolOwn.body.conversations).toEqual([]);
  });

  it("lists, rates and deletes messages", async () => {
    const alice = await clientFor("alice@example.com");
    const first = await alice.ask(spaceId, februaryQuestion);
    const second = await alice.ask(
      spaceId,
      "And in March?",
      first.conversationId,
    );
    const conversationPath = `spaces/${spaceId}/conversations/${first.conversationId}`;

    const listed = await alice.call("GET", `${conversationPath}/messages`);
    const rated = await alice.call(
      "POST",
      `${conversationPath}/messages/${first.messageId}/feedback`,
      { rating: "POSITIVE", comment: "Matches the report." },
    );
    const badRating = await alice.call(
      "POST",
      `${conversationPath}/messages/${first.messageId}/feedback`,
      { rating: "GREAT" },
    );
    const ratedMessage = await alice.call(
      "GET",
      `${conversationPath}/messages/${first.messageId}`,
    );
    const deletedMessage = await alice.call(
      "DELETE",
      `${conversationPath}/messages/${second.messageId}`,
    );
    const afterMessageDelete = await alice.call(
      "GET",
      `${conversationPath}/messages/${second.messageId}`,
    );
    const deletedConversation = await alice.call("DELETE", conversationPath);
    const afterConversationDelete = await alice.call(
      "GET",
      `${conversationPath}/messages`,
    );

    expect(
      listed.body.messages.map(
        (message: { message_id: string }) => message.message_id,
      ),
    ).toEqual([second.messageId, first.messageId]);
    expect(listed.body.messages[0].status).toBe("COMPLETED");
    expect(rated.status).toBe(200);
    expect(rated.body).toEqual({});
    expect(badRating.status).toBe(400);
    expect(badRating.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(ratedMessage.body.feedback).toEqual({
      rating: "POSITIVE",
      comment: "Matches the report.",
    });
    expect(deletedMessage.status).toBe(200);
    expect(afterMessageDelete.status).toBe(404);
    expect(deletedConversation.status).toBe(200);
    expect(afterConversationDelete.status).toBe(404);
    expect(afterConversationDelete.body.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("re-runs a query as the caller", async () => {
    const alice = await clientFor("alice@example.com");
    const asked = await alice.ask(spaceId, februaryQuestion);
    const attachment = asked.message.attachments[0];

    const rerun = await alice.call(
      "POST",
      `spaces/${spaceId}/conversations/${asked.conversationId}/messages/${asked.messageId}/attachments/${attachment.attachment_id}/execute-query`,
      {},
    );
    const polled = await alice.call(
      "GET",
      `spaces/${spaceId}/conversations/${asked.conversationId}/messages/${asked.messageId}`,
    );

    const statement = rerun.body.statement_response;
    expect(rerun.status).toBe(200);
    expect(statement.status.state).toBe("SUCCEEDED");
    expect(statement.statement_id).not.toBe(attachment.query.statement_id);
    expect(firstRowCell(statement, "count")).toBe(
      String(monthFigures(2, ["West"]).flightCount),
    );
    expect(polled.body.attachments[0].query.statement_id).toBe(
      statement.statement_id,
    );
  });
});

describe("Genie spaces over HTTP", () => {
  it("lists the spaces each caller can view", async () => {
    const alice = await clientFor("alice@example.com");
    const carol = await clientFor("carol@example.com");
    const agentToken = await workspace.issueToken(
      workspace.servicePrincipal.clientId,
      { scopes: ["genie"] },
    );
    const agent = new GenieTestClient(workspace.url, agentToken);

    const aliceSpaces = await alice.call("GET", "spaces");
    const carolSpaces = await carol.call("GET", "spaces?page_size=100");
    const carolPages = [];
    let pageToken: string | undefined;
    do {
      const page = await carol.call(
        "GET",
        `spaces?page_size=1${pageToken ? `&page_token=${pageToken}` : ""}`,
      );
      carolPages.push(page.body);
      pageToken = page.body.next_page_token;
    } while (pageToken);
    const agentSpaces = await agent.call("GET", "spaces");
    const aliceFinance = await alice.call("GET", `spaces/${financeSpaceId}`);
    const carolFinance = await carol.call("GET", `spaces/${financeSpaceId}`);

    const flights = findFlightsSpace(workspace.definition);
    const idsOf = (body: { spaces: { space_id: string }[] }) =>
      body.spaces.map((space) => space.space_id);
    expect(aliceSpaces.body.spaces).toContainEqual({
      parent_path: "/Workspace/Shared/Genie",
      etag: expect.stringMatching(/^[0-9a-f]{16}$/),
      create_time: expect.any(String),
      update_time: expect.any(String),
      space_id: spaceId,
      title: flights.title,
      description: flights.description,
      warehouse_id: flights.warehouseId,
    });
    expect(idsOf(aliceSpaces.body)).not.toContain(financeSpaceId);
    expect(idsOf(carolSpaces.body)).toContain(financeSpaceId);
    expect(idsOf(carolSpaces.body)).toContain(spaceId);
    expect(carolPages.every((page) => page.spaces.length === 1)).toBe(true);
    expect(carolPages.flatMap(idsOf)).toEqual(idsOf(carolSpaces.body));
    expect(agentSpaces.body).toEqual({ spaces: [] });
    expect(aliceFinance.status).toBe(404);
    expect(aliceFinance.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(carolFinance.body.title).toBe("Finance only");
  });

  it("keeps a CAN_VIEW space closed to questions", async () => {
    const carol = await clientFor("carol@example.com");

    const started = await carol.call(
      "POST",
      `spaces/${financeSpaceId}/start-conversation`,
      { content: februaryQuestion },
    );

    expect(started.status).toBe(404);
  });
});
