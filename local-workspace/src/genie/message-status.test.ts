import { describe, expect, it } from "vitest";
import {
  fixedStepLatency,
  type GenieLatencyModel,
  isTerminalStatus,
  parseLatencyModel,
  statusAt,
  statusDurations,
  statusWithExpiryAt,
  type TimelineMessage,
} from "./message-status.js";
import type { MessageOutcome, PlannedQuery } from "./stored-records.js";

const createdAt = 1_000_000;

const plannedQuery: PlannedQuery = {
  attachmentId: "a1",
  statementId: "s1",
  title: "t",
  description: "d",
  sql: "SELECT 1",
  parameters: [],
  queryParameters: [],
  displaySql: "SELECT 1",
};

function answered(finishedAt: number): MessageOutcome {
  return {
    kind: "answered",
    result: { columns: [], rows: [] },
    truncated: false,
    summary: "",
    textAttachmentId: "x",
    finishedAt,
  };
}

function message(parts: Partial<TimelineMessage> = {}): TimelineMessage {
  return { messageId: "m1", createdAt, ...parts };
}

const perStatus: GenieLatencyModel = {
  durationsMilliseconds: {
    SUBMITTED: 100,
    FETCHING_METADATA: 200,
    ASKING_AI: 1000,
    EXECUTING_QUERY: 500,
  },
  jitter: 0,
};

describe("statusAt", () => {
  it("follows per-status durations", () => {
    const finished = message({
      plannedQuery,
      outcome: answered(createdAt + 10),
    });
    const at = (offset: number) =>
      statusAt(finished, createdAt + offset, perStatus);

    expect(at(0)).toEqual({ status: "SUBMITTED", since: createdAt });
    expect(at(99).status).toBe("SUBMITTED");
    expect(at(100)).toEqual({
      status: "FETCHING_METADATA",
      since: createdAt + 100,
    });
    expect(at(300)).toEqual({ status: "ASKING_AI", since: createdAt + 300 });
    expect(at(1300)).toEqual({
      status: "EXECUTING_QUERY",
      since: createdAt + 1300,
    });
    expect(at(1800)).toEqual({ status: "COMPLETED", since: createdAt + 1800 });
  });

  it("matches a fixed step given as a number", () => {
    const finished = message({
      plannedQuery,
      outcome: answered(createdAt),
    });

    for (const offset of [0, 399, 400, 800, 1200, 1599, 1600, 5000]) {
      expect(statusAt(finished, createdAt + offset, 400)).toEqual(
        statusAt(finished, createdAt + offset, fixedStepLatency(400)),
      );
    }
    expect(statusAt(finished, createdAt + 1600, 400).status).toBe("COMPLETED");
  });

  it("stays in ASKING_AI until a query is chosen", () => {
    const working = message();

    expect(statusAt(working, createdAt + 60_000, perStatus)).toEqual({
      status: "ASKING_AI",
      since: createdAt + 300,
    });
    expect(
      statusAt({ ...working, plannedQuery }, createdAt + 60_000, perStatus)
        .status,
    ).toBe("EXECUTING_QUERY");
  });

  it("waits for the work after the last step", () => {
    const late = message({
      plannedQuery,
      outcome: answered(createdAt + 9000),
    });

    expect(statusAt(late, createdAt + 9500, perStatus)).toEqual({
      status: "COMPLETED",
      since: createdAt + 9000,
    });
  });

  it("ends CANCELLED and FAILED without EXECUTING_QUERY", () => {
    const cancelled = message({
      outcome: { kind: "cancelled", finishedAt: createdAt },
    });
    const failed = message({
      outcome: {
        kind: "failed",
        errorType: "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
        errorClass: "X",
        errorText: "x",
        finishedAt: createdAt,
      },
    });

    expect(statusAt(cancelled, createdAt + 1299, perStatus).status).toBe(
      "ASKING_AI",
    );
    expect(statusAt(cancelled, createdAt + 1300, perStatus)).toEqual({
      status: "CANCELLED",
      since: createdAt + 1300,
    });
    expect(statusAt(failed, createdAt + 1300, perStatus).status).toBe("FAILED");
  });
});

describe("statusDurations", () => {
  const jittered: GenieLatencyModel = { ...perStatus, jitter: 0.5 };

  it("repeats for one message", () => {
    expect(statusDurations(jittered, "m1")).toEqual(
      statusDurations(jittered, "m1"),
    );
  });

  it("stays within the jitter bounds", () => {
    const base = Object.values(perStatus.durationsMilliseconds);
    for (let index = 0; index < 200; index += 1) {
      const durations = statusDurations(jittered, `message-${index}`);
      durations.forEach((duration, position) => {
        const middle = base[position] ?? 0;
        expect(duration).toBeGreaterThanOrEqual(Math.floor(middle * 0.5));
        expect(duration).toBeLessThanOrEqual(Math.ceil(middle * 1.5));
      });
    }
  });

  it("differs between messages", () => {
    const askingDurations = new Set(
      Array.from(
        { length: 20 },
        (_, index) => statusDurations(jittered, `message-${index}`)[2],
      ),
    );

    expect(askingDurations.size).toBeGreaterThan(10);
  });
});

describe("statusWithExpiryAt", () => {
  const lifetime = 1000;
  const finished = message({ plannedQuery, outcome: answered(createdAt) });

  it("expires a result after its lifetime", () => {
    expect(statusWithExpiryAt(finished, createdAt + 999, 0, lifetime)).toEqual({
      status: "COMPLETED",
      since: createdAt,
    });
    expect(statusWithExpiryAt(finished, createdAt + 1000, 0, lifetime)).toEqual(
      { status: "QUERY_RESULT_EXPIRED", since: createdAt + 1000 },
    );
  });

  it("restarts the lifetime on a re-run", () => {
    const refreshed = message({
      plannedQuery,
      outcome: {
        ...(answered(createdAt) as Extract<
          MessageOutcome,
          { kind: "answered" }
        >),
        resultRefreshedAt: createdAt + 5000,
      },
    });

    expect(
      statusWithExpiryAt(refreshed, createdAt + 5999, 0, lifetime).status,
    ).toBe("COMPLETED");
    expect(
      statusWithExpiryAt(refreshed, createdAt + 6000, 0, lifetime).status,
    ).toBe("QUERY_RESULT_EXPIRED");
  });

  it("never expires messages without a result", () => {
    const unanswerable = message({
      outcome: {
        kind: "unanswerable",
        textAttachmentId: "t",
        suggestionsAttachmentId: "s",
        finishedAt: createdAt,
      },
    });

    expect(
      statusWithExpiryAt(unanswerable, createdAt + 10_000, 0, lifetime).status,
    ).toBe("COMPLETED");
  });
});

describe("parseLatencyModel", () => {
  it("reads statuses and jitter", () => {
    const model = parseLatencyModel("ASKING_AI=2000, jitter=0.25", 300);

    expect(model).toEqual({
      durationsMilliseconds: {
        SUBMITTED: 300,
        FETCHING_METADATA: 300,
        ASKING_AI: 2000,
        EXECUTING_QUERY: 300,
      },
      jitter: 0.25,
    });
  });

  it.each([
    ["THINKING=10", "Unknown Genie status 'THINKING'"],
    ["ASKING_AI", "Invalid Genie latency entry"],
    ["ASKING_AI=-5", "non-negative"],
    ["jitter=2", "fraction from 0 to 1"],
  ])("rejects %s", (text, message) => {
    expect(() => parseLatencyModel(text, 100)).toThrow(message);
  });
});

describe("isTerminalStatus", () => {
  it.each([
    ["COMPLETED", true],
    ["FAILED", true],
    ["CANCELLED", true],
    ["QUERY_RESULT_EXPIRED", true],
    ["EXECUTING_QUERY", false],
    ["SUBMITTED", false],
  ] as const)("classifies %s", (status, terminal) => {
    expect(isTerminalStatus(status)).toBe(terminal);
  });
});
