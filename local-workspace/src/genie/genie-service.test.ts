import { describe, expect, it } from "vitest";
import { type QueryResult, WarehouseError } from "../contracts.js";
import { GenieRequestError, GenieService } from "./genie-service.js";
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
const question = "What was the average departure delay in February 2001?";

class ManualClock {
  time = 1_700_000_000_000;
  now = () => this.time;
}

function createService(
  warehouse: FakeWarehouse,
  stepMilliseconds = 0,
  clock = new ManualClock(),
) {
  const service = new GenieService(testDefinition, warehouse, {
    statusStepMilliseconds: stepMilliseconds,
    maximumConversations: 3,
    now: clock.now,
  });
  return { service, clock };
}

function expectRequestError(
  action: () => unknown,
  status: number,
  errorCode: string,
) {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GenieRequestError);
    expect((error as GenieRequestError).status).toBe(status);
    expect((error as GenieRequestError).errorCode).toBe(errorCode);
    return error as GenieRequestError;
  }
  throw new Error("expected a GenieRequestError");
}

describe("GenieService status", () => {
  it("moves through each status per step", async () => {
    const warehouse = new FakeWarehouse(() =>
      monthlyDelayResult("7.23", "5964"),
    );
    const { service, clock } = createService(warehouse, 1000);

    const started = service.startConversation(spaceId, alice, question);
    await service.waitForAnswer(started.message_id);
    const statusAfter = (milliseconds: number) => {
      clock.time = started.message.created_timestamp + milliseconds;
      return service.getMessage(
        spaceId,
        started.conversation_id,
        started.message_id,
        alice,
      ).status;
    };

    expect(started.message.status).toBe("SUBMITTED");
    expect(statusAfter(0)).toBe("SUBMITTED");
    expect(statusAfter(999)).toBe("SUBMITTED");
    expect(statusAfter(1000)).toBe("FETCHING_METADATA");
    expect(statusAfter(2000)).toBe("ASKING_AI");
    expect(statusAfter(3000)).toBe("EXECUTING_QUERY");
    expect(statusAfter(3999)).toBe("EXECUTING_QUERY");
    expect(statusAfter(4000)).toBe("COMPLETED");
  });

  it("waits for a slow query before COMPLETED", async () => {
    let finishQuery: (result: QueryResult) => void = () => {};
    const warehouse = new FakeWarehouse(
      () =>
        new Promise<QueryResult>((resolve) => {
          finishQuery = resolve;
        }),
    );
    const { service, clock } = createService(warehouse, 10);
    const started = service.startConversation(spaceId, alice, question);
    const poll = () =>
      service.getMessage(
        spaceId,
        started.conversation_id,
        started.message_id,
        alice,
      );

    clock.time += 60_000;
    await new Promise((resolve) => setImmediate(resolve));
    const executing = poll();
    finishQuery(monthlyDelayResult("7.23", "5964"));
    await service.waitForAnswer(started.message_id);
    const completed = poll();

    expect(executing.status).toBe("EXECUTING_QUERY");
    expect(executing.attachments).toHaveLength(1);
    expect(completed.status).toBe("COMPLETED");
  });

  it("completes at once with zero steps", async () => {
    const warehouse = new FakeWarehouse(() =>
      monthlyDelayResult("7.23", "5964"),
    );
    const { service } = createService(warehouse, 0);

    const started = service.startConversation(spaceId, alice, question);
    await service.waitForAnswer(started.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );

    expect(started.message.status).toBe("SUBMITTED");
    expect(message.status).toBe("COMPLETED");
  });
});

describe("GenieService answers", () => {
  it("runs the SQL as the asking user with bound parameters", async () => {
    const warehouse = new FakeWarehouse(() =>
      monthlyDelayResult("7.23", "5964"),
    );
    const { service } = createService(warehouse);

    const started = service.startConversation(spaceId, alice, question);
    await service.waitForAnswer(started.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );

    expect(warehouse.queries).toHaveLength(1);
    expect(warehouse.queries[0]?.principalName).toBe("alice@example.com");
    expect(warehouse.queries[0]?.sql).toContain("= :month");
    expect(warehouse.queries[0]?.parameters).toEqual([
      { name: "month", value: "2", type: "INT" },
    ]);
    const [queryAttachment, textAttachment] = message.attachments as {
      attachment_id: string;
      query?: Record<string, unknown>;
      text?: { content: string };
    }[];
    expect(queryAttachment?.query?.query).toContain("month(date) = 2");
    expect(queryAttachment?.query?.parameters).toEqual([
      { keyword: "month", sql_type: "INT", value: "2" },
    ]);
    expect(queryAttachment?.query?.query_result_metadata).toEqual({
      row_count: 1,
      is_truncated: false,
    });
    expect(textAttachment?.text?.content).toContain(
      "avg_departure_delay_minutes = 7.23",
    );
    expect(textAttachment?.text?.content).toContain("flight_count = 5964");
  });

  it("reads the airports table once per space", async () => {
    const warehouse = new FakeWarehouse(() => monthlyDelayResult("1", "1"));
    const { service } = createService(warehouse);

    const first = service.startConversation(spaceId, alice, question);
    const second = service.startConversation(spaceId, bob, question);
    await service.waitForAnswer(first.message_id);
    await service.waitForAnswer(second.message_id);

    expect(warehouse.administratorQueries).toEqual([
      "SELECT iata, city, name FROM main.demo.airports",
    ]);
  });

  it("reports a warehouse error as FAILED", async () => {
    const warehouse = new FakeWarehouse(() => {
      throw new WarehouseError(
        "INSUFFICIENT_PERMISSIONS",
        "User does not have SELECT on table main.demo.flights.",
      );
    });
    const { service } = createService(warehouse);

    const started = service.startConversation(spaceId, alice, question);
    await service.waitForAnswer(started.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    ) as { status: string; error?: { error: string; type: string } };

    expect(message.status).toBe("FAILED");
    expect(message.error?.type).toBe("SQL_EXECUTION_EXCEPTION");
    expect(message.error?.error).toBe(
      "[INSUFFICIENT_PERMISSIONS] User does not have SELECT on table main.demo.flights.",
    );
  });

  it("suggests questions when nothing matches", async () => {
    const warehouse = new FakeWarehouse(() => monthlyDelayResult("1", "1"));
    const { service } = createService(warehouse);

    const started = service.startConversation(
      spaceId,
      alice,
      "What is the weather in Denver?",
    );
    await service.waitForAnswer(started.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );

    expect(message.status).toBe("COMPLETED");
    expect(warehouse.queries).toHaveLength(0);
    expect(message.attachments).toEqual([
      {
        attachment_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        text: {
          id: expect.any(String),
          content: expect.stringContaining("cannot answer"),
          purpose: "TEXT_ATTACHMENT_PURPOSE_ANSWER",
        },
      },
      {
        attachment_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        suggested_questions: { questions: flightsSpace.sampleQuestions },
      },
    ]);
  });

  it("answers a follow-up in the conversation", async () => {
    const warehouse = new FakeWarehouse(() => monthlyDelayResult("1", "1"));
    const { service } = createService(warehouse);

    const started = service.startConversation(spaceId, alice, question);
    const followUp = service.createMessage(
      spaceId,
      started.conversation_id,
      alice,
      "What was the average departure delay in March 2001?",
    );
    await service.waitForAnswer(started.message_id);
    await service.waitForAnswer(followUp.message_id);
    const first = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );
    const second = service.getMessage(
      spaceId,
      started.conversation_id,
      followUp.message_id,
      alice,
    );

    expect(followUp.conversation_id).toBe(started.conversation_id);
    expect(followUp.status).toBe("SUBMITTED");
    expect(first.status).toBe("COMPLETED");
    expect(second.status).toBe("COMPLETED");
    expect(second.created_timestamp).toBeGreaterThanOrEqual(
      first.created_timestamp,
    );
    expect(
      warehouse.queries.map((query) => query.parameters?.[0]?.value),
    ).toEqual(["2", "3"]);
  });
});

describe("GenieService access", () => {
  const warehouse = new FakeWarehouse(() => monthlyDelayResult("1", "1"));

  it("hides a space from CAN_VIEW principals", () => {
    const { service } = createService(warehouse);

    expectRequestError(
      () => service.startConversation(spaceId, viewer, question),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("reports an unknown space as missing", () => {
    const { service } = createService(warehouse);

    expectRequestError(
      () => service.startConversation("no-such-space", alice, question),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("hides conversations of other users", () => {
    const { service } = createService(warehouse);
    const started = service.startConversation(spaceId, alice, question);

    expectRequestError(
      () =>
        service.getMessage(
          spaceId,
          started.conversation_id,
          started.message_id,
          bob,
        ),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    expectRequestError(
      () =>
        service.createMessage(spaceId, started.conversation_id, bob, question),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it.each([undefined, "", "   ", 42])("rejects content %j", (content) => {
    const { service } = createService(warehouse);

    const error = expectRequestError(
      () => service.startConversation(spaceId, alice, content),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect(error.message).toContain("content");
  });

  it("drops the oldest conversation beyond the limit", () => {
    const { service } = createService(warehouse);
    const oldest = service.startConversation(spaceId, alice, question);
    for (let index = 0; index < 3; index += 1) {
      service.startConversation(spaceId, alice, question);
    }

    expectRequestError(
      () =>
        service.getMessage(
          spaceId,
          oldest.conversation_id,
          oldest.message_id,
          alice,
        ),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });
});

describe("GenieService query result", () => {
  it("caps the result at 5,000 rows", async () => {
    const rows = Array.from({ length: 6000 }, (_, index) => [String(index)]);
    const warehouse = new FakeWarehouse(() => ({
      columns: [{ name: "flight_count", typeName: "LONG", typeText: "BIGINT" }],
      rows,
    }));
    const { service } = createService(warehouse);

    const started = service.startConversation(spaceId, alice, question);
    await service.waitForAnswer(started.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );
    const queryAttachment = message.attachments[0] as {
      attachment_id: string;
      query: { query_result_metadata: unknown; statement_id: string };
    };
    const { statement_response: statement } = service.getQueryResult(
      spaceId,
      started.conversation_id,
      started.message_id,
      queryAttachment.attachment_id,
      alice,
    ) as {
      statement_response: {
        statement_id: string;
        status: { state: string };
        manifest: { truncated: boolean; total_row_count: number };
        result: { row_count: number; data_array: unknown[] };
      };
    };

    expect(queryAttachment.query.query_result_metadata).toEqual({
      row_count: 5000,
      is_truncated: true,
    });
    expect(statement.statement_id).toBe(queryAttachment.query.statement_id);
    expect(statement.status.state).toBe("SUCCEEDED");
    expect(statement.manifest.truncated).toBe(true);
    expect(statement.manifest.total_row_count).toBe(5000);
    expect(statement.result.row_count).toBe(5000);
    expect(statement.result.data_array).toHaveLength(5000);
  });

  it("rejects a text attachment id", async () => {
    const warehouse = new FakeWarehouse(() => monthlyDelayResult("1", "1"));
    const { service } = createService(warehouse);
    const started = service.startConversation(spaceId, alice, question);
    await service.waitForAnswer(started.message_id);
    const message = service.getMessage(
      spaceId,
      started.conversation_id,
      started.message_id,
      alice,
    );
    const textAttachment = message.attachments[1] as { attachment_id: string };

    expectRequestError(
      () =>
        service.getQueryResult(
          spaceId,
          started.conversation_id,
          started.message_id,
          textAttachment.attachment_id,
          alice,
        ),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });
});
