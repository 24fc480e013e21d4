import { describe, expect, it } from "vitest";
import type { WorkspaceDefinition } from "../contracts.js";
import {
  type GeniePrincipal,
  GenieRequestError,
  GenieService,
  type GenieServiceOptions,
  type InjectedMessageOutcome,
} from "./genie-service.js";
import {
  alice,
  bob,
  FakeWarehouse,
  flightsSpace,
  monthlyDelayResult,
  testDefinition,
  viewer,
} from "./test-support.js";

const spaceId = flightsSpace.id;
const januaryQuestion = "What was the average departure delay in January 2001?";

const manager: GeniePrincipal = {
  id: "1009",
  userName: "manager@example.com",
  groups: [],
};

const outsider: GeniePrincipal = {
  id: "1010",
  userName: "outsider@example.com",
  groups: [],
};

const definition: WorkspaceDefinition = {
  ...testDefinition,
  genieSpaces: [
    {
      ...flightsSpace,
      permissions: [
        ...flightsSpace.permissions,
        { principal: manager.userName, level: "CAN_MANAGE" },
      ],
    },
    {
      ...flightsSpace,
      id: "finance-space",
      title: "Finance",
      permissions: [{ principal: "finance", level: "CAN_VIEW" }],
    },
  ],
};

class ManualClock {
  time = 1_700_000_000_000;
  now = () => this.time;
}

function createService(options: Partial<GenieServiceOptions> = {}) {
  const warehouse = new FakeWarehouse(() => monthlyDelayResult("7.23", "42"));
  const clock = new ManualClock();
  const service = new GenieService(definition, warehouse, {
    statusStepMilliseconds: 0,
    now: clock.now,
    ...options,
  });
  return { service, warehouse, clock };
}

function requestError(action: () => unknown): GenieRequestError {
  try {
    action();
  } catch (error) {
    if (error instanceof GenieRequestError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a GenieRequestError");
}

describe("GenieService follow-ups", () => {
  it("reuses the previous example", async () => {
    const { service, warehouse } = createService();
    const started = service.startConversation(spaceId, alice, januaryQuestion);

    const followUp = service.createMessage(
      spaceId,
      started.conversation_id,
      alice,
      "And in March?",
    );
    await service.waitForAnswer(followUp.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      followUp.message_id,
      alice,
    );
    const query = (message.attachments[0] as { query: Record<string, unknown> })
      .query;

    expect(message.status).toBe("COMPLETED");
    expect(warehouse.queries.map((entry) => entry.parameters)).toEqual([
      [{ name: "month", value: "1", type: "INT" }],
      [{ name: "month", value: "3", type: "INT" }],
    ]);
    expect(query.title).toBe("What was the average departure delay in March?");
    expect(query.query).toContain("month(date) = 3");
  });

  it("answers a follow-up without context as unanswerable", async () => {
    const { service, warehouse } = createService();
    const started = service.startConversation(
      spaceId,
      alice,
      "What is the weather in Denver?",
    );

    const followUp = service.createMessage(
      spaceId,
      started.conversation_id,
      alice,
      "And in March?",
    );
    await service.waitForAnswer(followUp.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      followUp.message_id,
      alice,
    );

    expect(message.attachments[0]).toMatchObject({
      text: { content: expect.stringContaining("cannot answer") },
    });
    expect(warehouse.queries).toHaveLength(0);
  });
});

describe("GenieService listings", () => {
  it("lists own conversations newest first", () => {
    const { service, clock } = createService();
    const ids: string[] = [];
    for (const question of ["first?", "second?", "third?"]) {
      clock.time += 1000;
      ids.push(
        service.startConversation(spaceId, alice, question).conversation_id,
      );
    }
    service.startConversation(spaceId, bob, "bob's question?");

    const firstPage = service.listConversations(spaceId, alice, {
      pageSize: "2",
    });
    const secondPage = service.listConversations(spaceId, alice, {
      pageSize: "2",
      pageToken: firstPage.next_page_token,
    });

    expect(firstPage.conversations.map((item) => item.conversation_id)).toEqual(
      [ids[2], ids[1]],
    );
    expect(firstPage.conversations[0]).toEqual({
      conversation_id: ids[2],
      title: "third?",
      created_timestamp: clock.time,
      agent_type: "GENIE_CONVERSATION_TYPE_CHAT",
    });
    expect(
      secondPage.conversations.map((item) => item.conversation_id),
    ).toEqual([ids[0]]);
    expect(secondPage.next_page_token).toBeUndefined();
  });

  it("lists every user's conversations for CAN_MANAGE", () => {
    const { service } = createService();
    service.startConversation(spaceId, alice, "alice?");
    service.startConversation(spaceId, bob, "bob?");

    const everyone = service.listConversations(spaceId, manager, {
      includeAll: true,
    });
    const denied = requestError(() =>
      service.listConversations(spaceId, alice, { includeAll: true }),
    );

    expect(everyone.conversations.map((item) => item.title)).toEqual([
      "bob?",
      "alice?",
    ]);
    expect(denied.status).toBe(403);
    expect(denied.errorCode).toBe("PERMISSION_DENIED");
    expect(denied.message).toContain("CAN_MANAGE");
  });

  it.each([
    [{ pageSize: "0" }, "page_size"],
    [{ pageSize: "ten" }, "page_size"],
    [{ pageToken: "not-a-token" }, "page_token"],
  ])("rejects paging %j", (page, field) => {
    const { service } = createService();

    const error = requestError(() =>
      service.listConversations(spaceId, alice, page),
    );

    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(error.message).toContain(field);
  });

  it("lists messages newest first", async () => {
    const { service } = createService();
    const started = service.startConversation(spaceId, alice, januaryQuestion);
    const second = service.createMessage(
      spaceId,
      started.conversation_id,
      alice,
      "And in March?",
    );

    const page = service.listMessages(spaceId, started.conversation_id, alice, {
      pageSize: "1",
    });
    const next = service.listMessages(spaceId, started.conversation_id, alice, {
      pageSize: "1",
      pageToken: page.next_page_token,
    });

    expect(page.messages.map((message) => message.message_id)).toEqual([
      second.message_id,
    ]);
    expect(next.messages.map((message) => message.message_id)).toEqual([
      started.message_id,
    ]);
    expect(next.next_page_token).toBeUndefined();
  });

  it("lists spaces the caller can view", () => {
    const { service } = createService();
    const financeViewer = { ...outsider, groups: ["finance"] };

    expect(service.listSpaces(viewer).spaces).toEqual([
      {
        space_id: spaceId,
        title: flightsSpace.title,
        description: flightsSpace.description,
        warehouse_id: flightsSpace.warehouseId,
        parent_path: "/Workspace/Shared/Genie",
        etag: expect.stringMatching(/^[0-9a-f]{16}$/),
        create_time: expect.any(String),
        update_time: expect.any(String),
      },
    ]);
    expect(
      service.listSpaces(financeViewer).spaces.map((space) => space.space_id),
    ).toEqual(["finance-space"]);
    expect(service.listSpaces(outsider).spaces).toEqual([]);
    expect(service.getSpace(spaceId, viewer).space_id).toBe(spaceId);
    expect(requestError(() => service.getSpace(spaceId, outsider)).status).toBe(
      404,
    );
  });
});

describe("GenieService deletes and feedback", () => {
  it("deletes a message and a conversation", () => {
    const { service } = createService();
    const started = service.startConversation(spaceId, alice, januaryQuestion);
    const second = service.createMessage(
      spaceId,
      started.conversation_id,
      alice,
      "And in March?",
    );

    service.deleteMessage(
      spaceId,
      started.conversation_id,
      second.message_id,
      alice,
    );
    const remaining = service.listMessages(
      spaceId,
      started.conversation_id,
      alice,
    );
    const bobDeleting = requestError(() =>
      service.deleteConversation(spaceId, started.conversation_id, bob),
    );
    service.deleteConversation(spaceId, started.conversation_id, alice);
    const afterDelete = requestError(() =>
      service.getMessage(
        spaceId,
        started.conversation_id,
        started.message_id,
        alice,
      ),
    );

    expect(remaining.messages.map((message) => message.message_id)).toEqual([
      started.message_id,
    ]);
    expect(bobDeleting.status).toBe(404);
    expect(afterDelete.status).toBe(404);
    expect(service.listConversations(spaceId, alice).conversations).toEqual([]);
  });

  it("stores feedback on the message", () => {
    const { service } = createService();
    const started = service.startConversation(spaceId, alice, januaryQuestion);
    const ids = [spaceId, started.conversation_id, started.message_id] as const;

    service.sendFeedback(...ids, alice, {
      rating: "NEGATIVE",
      comment: "Wrong month.",
    });

    expect(service.getMessage(...ids, alice)).toMatchObject({
      feedback: { rating: "NEGATIVE", comment: "Wrong month." },
    });
    expect(
      requestError(() =>
        service.sendFeedback(...ids, alice, { rating: "GOOD" }),
      ).message,
    ).toContain("POSITIVE, NEGATIVE, NONE");
    expect(
      requestError(() =>
        service.sendFeedback(...ids, alice, { rating: "NONE", comment: 5 }),
      ).status,
    ).toBe(400);
  });
});

describe("GenieService result expiry", () => {
  it("expires and re-runs a query result", async () => {
    const { service, warehouse, clock } = createService({
      resultLifetimeMilliseconds: 1000,
    });
    const started = service.startConversation(spaceId, alice, januaryQuestion);
    await service.waitForAnswer(started.message_id);
    const ids = [spaceId, started.conversation_id, started.message_id] as const;
    const attachment = service.getMessage(...ids, alice).attachments[0] as {
      attachment_id: string;
      query: { statement_id: string };
    };

    clock.time += 1000;
    const expired = service.getMessage(...ids, alice);
    const readError = requestError(() =>
      service.getQueryResult(...ids, attachment.attachment_id, alice),
    );
    const rerun = await service.executeQuery(
      ...ids,
      attachment.attachment_id,
      alice,
    );
    const refreshed = service.getMessage(...ids, alice);
    const read = service.getQueryResult(
      ...ids,
      attachment.attachment_id,
      alice,
    );

    expect(expired.status).toBe("QUERY_RESULT_EXPIRED");
    expect(expired.attachments[0]).toMatchObject({
      attachment_id: attachment.attachment_id,
    });
    expect(readError.status).toBe(400);
    expect(readError.message).toContain("execute-query");
    expect(rerun.statement_response.status.state).toBe("SUCCEEDED");
    expect(rerun.statement_response.statement_id).not.toBe(
      attachment.query.statement_id,
    );
    expect(warehouse.queries.map((query) => query.principalName)).toEqual([
      alice.userName,
      alice.userName,
    ]);
    expect(refreshed.status).toBe("COMPLETED");
    expect(read.statement_response.statement_id).toBe(
      rerun.statement_response.statement_id,
    );
  });

  it("refuses to re-run an unfinished message", async () => {
    const { service, clock } = createService({ statusStepMilliseconds: 1000 });
    const started = service.startConversation(spaceId, alice, januaryQuestion);
    await service.waitForAnswer(started.message_id);
    const ids = [spaceId, started.conversation_id, started.message_id] as const;
    clock.time += 3000;
    const executing = service.getMessage(...ids, alice);
    const attachment = executing.attachments[0] as { attachment_id: string };

    const error = await service
      .executeQuery(...ids, attachment.attachment_id, alice)
      .catch((caught: unknown) => caught);

    expect(executing.status).toBe("EXECUTING_QUERY");
    expect(error).toBeInstanceOf(GenieRequestError);
    expect((error as GenieRequestError).status).toBe(400);
    expect((error as GenieRequestError).errorCode).toBe("INVALID_STATE");
    expect((error as GenieRequestError).message).toContain("EXECUTING_QUERY");
  });
});

describe("GenieService throughput limit", () => {
  it("answers 429 beyond the limit", () => {
    const { service, clock } = createService({ questionsPerMinute: 2 });
    const started = service.startConversation(spaceId, alice, januaryQuestion);
    clock.time += 20_000;
    service.createMessage(
      spaceId,
      started.conversation_id,
      alice,
      "And in May?",
    );
    service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );

    const limited = requestError(() =>
      service.startConversation(spaceId, bob, januaryQuestion),
    );
    clock.time += 40_000;
    const afterWindow = service.startConversation(
      spaceId,
      bob,
      januaryQuestion,
    );

    expect(limited.status).toBe(429);
    expect(limited.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(limited.retryAfterSeconds).toBe(40);
    expect(afterWindow.message.status).toBe("SUBMITTED");
  });

  it("does not count rejected questions", () => {
    const { service } = createService({ questionsPerMinute: 1 });

    requestError(() => service.startConversation(spaceId, alice, ""));
    requestError(() => service.startConversation(spaceId, outsider, "Hi?"));

    expect(
      service.startConversation(spaceId, alice, januaryQuestion).message.status,
    ).toBe("SUBMITTED");
  });
});

describe("GenieService message faults", () => {
  it.each([
    [
      {
        outcome: "FAILED",
        errorType: "RATE_LIMIT_EXCEEDED_GENERIC_EXCEPTION",
        errorText: "Too busy.",
      },
      "FAILED",
    ],
    [{ outcome: "CANCELLED" }, "CANCELLED"],
  ] as [InjectedMessageOutcome, string][])(
    "ends a message as told by %j",
    async (injected, status) => {
      const requests: string[] = [];
      const { service, warehouse } = createService({
        faults: {
          takeMessageFault: (faultSpaceId, userName) => {
            requests.push(`${faultSpaceId} ${userName}`);
            return requests.length === 1 ? injected : undefined;
          },
        },
      });

      const first = service.startConversation(spaceId, alice, januaryQuestion);
      const second = service.startConversation(spaceId, alice, januaryQuestion);
      await service.waitForAnswer(second.message_id);
      const failed = service.getMessage(
        spaceId,
        first.conversation_id,
        first.message_id,
        alice,
      ) as { status: string; error?: unknown; attachments: unknown[] };

      expect(first.message.status).toBe("SUBMITTED");
      expect(failed.status).toBe(status);
      expect(failed.attachments).toEqual([]);
      if (injected.outcome === "FAILED") {
        expect(failed.error).toEqual({
          error: injected.errorText,
          type: injected.errorType,
        });
      }
      expect(requests).toEqual([
        `${spaceId} ${alice.userName}`,
        `${spaceId} ${alice.userName}`,
      ]);
      expect(warehouse.queries).toHaveLength(1);
    },
  );
});
