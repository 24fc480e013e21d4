import { describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import { CancelledError, DeadlineExceededError } from "../errors/errors.js";
import type { GenieMessage, GenieMessageReference } from "./genie.js";
import {
  type MessageReader,
  nextPollDelay,
  type PollClock,
  type PollObservation,
  pollSchedule,
  StatusTimeline,
  waitForMessage,
} from "./genie-wait.js";

const reference: GenieMessageReference = {
  spaceId: "01f0c0ffee5ca1ab1e000000000f1a7e",
  conversationId: "01f0a3c5e1d21b4a9b3f6e2d7c8a9b10",
  messageId: "01f0a3c5e1d31c5b8a4e7f3e8d9bac21",
};

class VirtualClock implements PollClock {
  time = 0;
  sleeps: number[] = [];
  onSleep: ((milliseconds: number) => void) | undefined;
  now(): number {
    return this.time;
  }
  async sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(milliseconds);
    this.onSleep?.(milliseconds);
    if (signal?.aborted) {
      throw new CancelledError();
    }
    this.time += milliseconds;
  }
}

/** Serves message statuses from a timeline of [start in ms, status], recording poll times. */
class ScriptedGenie implements MessageReader {
  readonly pollTimes: number[] = [];
  readonly #clock: VirtualClock;
  readonly #timeline: [number, string][];
  readonly #timestamps: boolean;

  constructor(
    clock: VirtualClock,
    timeline: [number, string][],
    timestamps = true,
  ) {
    this.#clock = clock;
    this.#timeline = timeline;
    this.#timestamps = timestamps;
  }

  async getMessage(): Promise<GenieMessage> {
    const now = this.#clock.time;
    this.pollTimes.push(now);
    const [since, status] = this.#timeline
      .filter(([start]) => start <= now)
      .at(-1) ?? [0, "SUBMITTED"];
    return {
      conversation_id: reference.conversationId,
      status,
      ...(this.#timestamps
        ? { created_timestamp: 1_000, last_updated_timestamp: 1_000 + since }
        : {}),
    };
  }
}

function observation(overrides: Partial<PollObservation>): PollObservation {
  return {
    attempt: 1,
    elapsedMilliseconds: 0,
    status: "SUBMITTED",
    statusStartedMilliseconds: 0,
    statusPaceMilliseconds: undefined,
    ...overrides,
  };
}

/** Four statuses of one second each, then COMPLETED: the local workspace's fixed step. */
const equalSteps: [number, string][] = [
  [0, "SUBMITTED"],
  [1000, "FETCHING_METADATA"],
  [2000, "ASKING_AI"],
  [3000, "EXECUTING_QUERY"],
  [4000, "COMPLETED"],
];

describe("nextPollDelay", () => {
  it("grows by half the elapsed time in the first status", () => {
    expect(nextPollDelay(observation({ elapsedMilliseconds: 100 }))).toBe(
      pollSchedule.firstStatusMinimum,
    );
    expect(nextPollDelay(observation({ elapsedMilliseconds: 2000 }))).toBe(
      1000,
    );
    expect(nextPollDelay(observation({ elapsedMilliseconds: 60_000 }))).toBe(
      pollSchedule.maximum,
    );
  });

  it("aims just after the expected change", () => {
    const delay = nextPollDelay(
      observation({
        status: "ASKING_AI",
        elapsedMilliseconds: 2300,
        statusStartedMilliseconds: 2000,
        statusPaceMilliseconds: 1000,
      }),
    );
    expect(delay).toBe(700 + pollSchedule.changeLead);
  });

  it("polls a long query closely, then at most every 1.5 s", () => {
    const query = {
      status: "EXECUTING_QUERY",
      statusStartedMilliseconds: 3000,
      statusPaceMilliseconds: 1000,
    };
    expect(
      nextPollDelay(observation({ ...query, elapsedMilliseconds: 4100 })),
    ).toBe(pollSchedule.overrunMinimum);
    expect(
      nextPollDelay(observation({ ...query, elapsedMilliseconds: 60_000 })),
    ).toBe(pollSchedule.longQueryMaximum);
  });

  it("polls preparation statuses sparsely once overdue", () => {
    const delay = nextPollDelay(
      observation({
        status: "PENDING_WAREHOUSE",
        elapsedMilliseconds: 9000,
        statusStartedMilliseconds: 3000,
        statusPaceMilliseconds: 1000,
      }),
    );
    expect(delay).toBe(6000 * pollSchedule.preparationGrowth);
  });

  it("caps ASKING_AI, where a text answer may end", () => {
    const delay = nextPollDelay(
      observation({
        status: "ASKING_AI",
        elapsedMilliseconds: 30_000,
        statusStartedMilliseconds: 2000,
        statusPaceMilliseconds: 1000,
      }),
    );
    expect(delay).toBe(pollSchedule.askingMaximum);
  });

  it("treats an unknown status like a running query", () => {
    const delay = nextPollDelay(
      observation({
        status: "SOME_NEW_STATUS",
        elapsedMilliseconds: 4100,
        statusStartedMilliseconds: 3000,
        statusPaceMilliseconds: 1000,
      }),
    );
    expect(delay).toBe(pollSchedule.overrunMinimum);
  });
});

describe("StatusTimeline", () => {
  it("reads status starts from Genie's timestamps", () => {
    const timeline = new StatusTimeline();
    timeline.observe({ conversation_id: "c", status: "SUBMITTED" }, 250);
    const seen = timeline.observe(
      {
        conversation_id: "c",
        status: "FETCHING_METADATA",
        created_timestamp: 5_000,
        last_updated_timestamp: 5_900,
      },
      1_400,
    );
    expect(seen.statusStartedMilliseconds).toBe(900);
    expect(seen.statusPaceMilliseconds).toBe(900);
    expect(seen.attempt).toBe(2);
  });

  it("falls back to the midpoint between polls", () => {
    const timeline = new StatusTimeline();
    timeline.observe({ conversation_id: "c", status: "SUBMITTED" }, 800);
    const seen = timeline.observe(
      { conversation_id: "c", status: "ASKING_AI" },
      1_200,
    );
    expect(seen.statusStartedMilliseconds).toBe(1_000);
  });

  it("ignores a timestamp from before the previous status", () => {
    const timeline = new StatusTimeline();
    timeline.observe({ conversation_id: "c", status: "SUBMITTED" }, 800);
    const seen = timeline.observe(
      {
        conversation_id: "c",
        status: "ASKING_AI",
        created_timestamp: 5_000,
        last_updated_timestamp: 4_000,
      },
      1_200,
    );
    expect(seen.statusStartedMilliseconds).toBe(1_000);
  });
});

describe("waitForMessage", () => {
  it("polls just after each expected change", async () => {
    const clock = new VirtualClock();
    const genie = new ScriptedGenie(clock, equalSteps);
    const statuses: string[] = [];
    const message = await waitForMessage(genie, reference, {
      deadlineMilliseconds: 60_000,
      sentAt: 0,
      clock,
      onStatus: (status) => statuses.push(status),
    });

    expect(message.status).toBe("COMPLETED");
    expect(statuses).toEqual([
      "SUBMITTED",
      "FETCHING_METADATA",
      "ASKING_AI",
      "EXECUTING_QUERY",
      "COMPLETED",
    ]);
    // 1.5× growth until the first change, then one poll 50 ms after each change.
    expect(genie.pollTimes).toEqual([0, 250, 500, 750, 1125, 2050, 3050, 4050]);
    expect(clock.time - 4000).toBe(pollSchedule.changeLead);
  });

  it("keeps polling through unknown statuses", async () => {
    const clock = new VirtualClock();
    const genie = new ScriptedGenie(clock, [
      [0, "SUBMITTED"],
      [500, "SOME_NEW_STATUS"],
      [1500, "COMPLETED"],
    ]);
    const message = await waitForMessage(genie, reference, {
      deadlineMilliseconds: 60_000,
      sentAt: 0,
      clock,
    });
    expect(message.status).toBe("COMPLETED");
  });

  it.each(["FAILED", "CANCELLED", "QUERY_RESULT_EXPIRED"])(
    "stops at %s",
    async (status) => {
      const clock = new VirtualClock();
      const genie = new ScriptedGenie(clock, [
        [0, "SUBMITTED"],
        [700, status],
      ]);
      const message = await waitForMessage(genie, reference, {
        deadlineMilliseconds: 60_000,
        sentAt: 0,
        clock,
      });
      expect(message.status).toBe(status);
      expect(genie.pollTimes.at(-1)).toBeGreaterThanOrEqual(700);
    },
  );

  it("sends no poll after the deadline", async () => {
    const clock = new VirtualClock();
    const genie = new ScriptedGenie(clock, [
      [0, "SUBMITTED"],
      [400, "EXECUTING_QUERY"],
    ]);
    const waiting = waitForMessage(genie, reference, {
      deadlineMilliseconds: 10_000,
      sentAt: 0,
      clock,
    });

    await expect(waiting).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(waiting).rejects.toThrow(
      /within 10 s \(last status EXECUTING_QUERY\)/,
    );
    expect(Math.max(...genie.pollTimes)).toBe(10_000);
    expect(clock.time).toBe(10_000);
  });

  it("sends no poll after an abort", async () => {
    const clock = new VirtualClock();
    const genie = new ScriptedGenie(clock, [[0, "EXECUTING_QUERY"]]);
    const controller = new AbortController();
    clock.onSleep = () => {
      if (genie.pollTimes.length === 3) {
        controller.abort();
      }
    };

    await expect(
      waitForMessage(genie, reference, {
        deadlineMilliseconds: 60_000,
        sentAt: 0,
        clock,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(genie.pollTimes).toHaveLength(3);
  });

  it("uses a custom delay function", async () => {
    const clock = new VirtualClock();
    const genie = new ScriptedGenie(clock, equalSteps);
    await waitForMessage(genie, reference, {
      deadlineMilliseconds: 60_000,
      sentAt: 0,
      clock,
      pollDelay: () => 700,
    });
    expect(genie.pollTimes).toEqual([0, 700, 1400, 2100, 2800, 3500, 4200]);
  });

  it("accepts the recorded in-progress statuses", async () => {
    const recorded = [
      "genie-message-submitted",
      "genie-message-fetching-metadata",
      "genie-message-filtering-context",
      "genie-message-asking-ai",
      "genie-message-pending-warehouse",
      "genie-message-executing",
      "genie-message-completed",
    ].map((name) => loadFixture<GenieMessage>(name));
    let poll = 0;
    const clock = new VirtualClock();
    const statuses: string[] = [];
    const message = await waitForMessage(
      {
        getMessage: async () => {
          const message = recorded[Math.min(poll++, recorded.length - 1)];
          if (message === undefined) {
            throw new Error("no recorded message");
          }
          return message;
        },
      },
      reference,
      {
        deadlineMilliseconds: 60_000,
        sentAt: 0,
        clock,
        onStatus: (status) => statuses.push(status),
      },
    );
    expect(message.status).toBe("COMPLETED");
    expect(statuses).toEqual(recorded.map((entry) => entry?.status));
  });
});
