/**
 * Compares Genie polling schedules on a virtual clock: the mean delay between a message
 * reaching its end status and the client seeing it, and the GETs sent per message.
 * Message statuses come from the local workspace's own timeline (`statusAt`), and the
 * polls go through behalf's real `waitForMessage` loop, so the figures measure the code
 * that runs, on the model the local workspace serves.
 */
import {
  fixedStepLatency,
  type GenieLatencyModel,
  statusAt,
  type TimelineMessage,
} from "../local-workspace/src/genie/message-status.js";
import type {
  GenieMessage,
  GenieMessageReference,
} from "../src/databricks/genie.js";
import {
  type MessageReader,
  nextPollDelay,
  type PollClock,
  type PollDelay,
  waitForMessage,
} from "../src/databricks/genie-wait.js";

/** Round trip of one GET; the workspace reads the status halfway through it. */
const roundTripMilliseconds = 80;
const latencyStepMilliseconds = 10;
const buckets = [
  { label: "2–5 s", below: 5000 },
  { label: "5–10 s", below: 10_000 },
  { label: "10–20 s", below: 20_000 },
  { label: "20–30 s", below: Number.POSITIVE_INFINITY },
];

/** Status durations of the uneven scenarios, before scaling: the example in the local workspace's model. */
const unevenShares = {
  SUBMITTED: 300,
  FETCHING_METADATA: 500,
  ASKING_AI: 2000,
  EXECUTING_QUERY: 1500,
};

interface SimulatedMessage {
  timeline: TimelineMessage;
  latency: GenieLatencyModel;
  /** When Genie's work finishes; the model shows no end status before it. */
  workDoneAt: number;
}

interface Scenario {
  name: string;
  description: string;
  fromMilliseconds: number;
  build(latencyMilliseconds: number, messageId: string): SimulatedMessage;
}

const createdAt = roundTripMilliseconds / 2;
const plannedQuery = {} as NonNullable<TimelineMessage["plannedQuery"]>;

function answered(
  messageId: string,
  latency: GenieLatencyModel,
  workDoneAt = createdAt,
  withQuery = true,
): SimulatedMessage {
  const outcome = (
    withQuery
      ? { kind: "answered", finishedAt: workDoneAt }
      : { kind: "unanswerable", finishedAt: workDoneAt }
  ) as NonNullable<TimelineMessage["outcome"]>;
  return {
    timeline: {
      messageId,
      createdAt,
      ...(withQuery ? { plannedQuery } : {}),
      outcome,
    },
    latency,
    workDoneAt,
  };
}

function scaledUneven(total: number, statuses: number): GenieLatencyModel {
  const shares = Object.values(unevenShares).slice(0, statuses);
  const scale = total / shares.reduce((sum, share) => sum + share, 0);
  return {
    durationsMilliseconds: {
      SUBMITTED: unevenShares.SUBMITTED * scale,
      FETCHING_METADATA: unevenShares.FETCHING_METADATA * scale,
      ASKING_AI: unevenShares.ASKING_AI * scale,
      EXECUTING_QUERY: unevenShares.EXECUTING_QUERY * scale,
    },
    jitter: 0.2,
  };
}

const scenarios: Scenario[] = [
  {
    name: "Equal steps",
    description:
      "the local workspace's default (`--genie-step-ms`): each of the four statuses lasts latency ÷ 4, no jitter, and the query is quick",
    fromMilliseconds: 2000,
    build: (latency, id) => answered(id, fixedStepLatency(latency / 4)),
  },
  {
    name: "Uneven steps",
    description:
      "SUBMITTED, FETCHING_METADATA, ASKING_AI and EXECUTING_QUERY in the ratio 300 : 500 : 2000 : 1500, scaled to the latency, each with jitter 0.2",
    fromMilliseconds: 2000,
    build: (latency, id) => answered(id, scaledUneven(latency, 4)),
  },
  {
    name: "Slow query",
    description:
      "statuses of 300, 500, 2000 and 1500 ms with jitter 0.2, and a query that runs until the latency has passed, so the message waits in EXECUTING_QUERY",
    fromMilliseconds: 4300,
    build: (latency, id) =>
      answered(id, scaledUneven(4300, 4), createdAt + latency),
  },
  {
    name: "Text-only answer",
    description:
      "no query (Genie answers in text, or cannot answer): SUBMITTED, FETCHING_METADATA and ASKING_AI in the ratio 300 : 500 : 2000, jitter 0.2, ending from ASKING_AI",
    fromMilliseconds: 2000,
    build: (latency, id) =>
      answered(id, scaledUneven(latency, 3), createdAt, false),
  },
];

class VirtualClock implements PollClock {
  time = 0;
  now(): number {
    return this.time;
  }
  async sleep(milliseconds: number): Promise<void> {
    this.time += milliseconds;
  }
}

/** A Genie message served from the local workspace's timeline, on the virtual clock. */
class SimulatedGenie implements MessageReader {
  gets = 0;
  endedAt: number | undefined;
  readonly #clock: VirtualClock;
  readonly #message: SimulatedMessage;
  readonly #timestamps: boolean;

  constructor(
    clock: VirtualClock,
    message: SimulatedMessage,
    timestamps: boolean,
  ) {
    this.#clock = clock;
    this.#message = message;
    this.#timestamps = timestamps;
  }

  async getMessage(reference: GenieMessageReference): Promise<GenieMessage> {
    this.gets += 1;
    this.#clock.time += roundTripMilliseconds / 2;
    const now = this.#clock.time;
    const { timeline, latency, workDoneAt } = this.#message;
    // The local workspace stores the outcome only once the work is done.
    const visible =
      now < workDoneAt ? { ...timeline, outcome: undefined } : timeline;
    const { status, since } = statusAt(visible, now, latency);
    this.#clock.time += roundTripMilliseconds / 2;
    if (status === "COMPLETED" || status === "FAILED") {
      this.endedAt = since;
    }
    return {
      message_id: reference.messageId,
      conversation_id: reference.conversationId,
      status,
      ...(this.#timestamps
        ? {
            created_timestamp: timeline.createdAt,
            last_updated_timestamp: since,
          }
        : {}),
    };
  }
}

interface Schedule {
  name: string;
  /** Builds the delay function for one message, so that seeded jitter restarts per run. */
  create(random: () => number): PollDelay;
  timestamps: boolean;
}

const schedules: Schedule[] = [
  { name: "fixed 0.7 s loop", create: () => () => 700, timestamps: true },
  {
    name: "Databricks Python SDK waiter",
    // Attempt n waits n seconds, at most 10, plus up to 1 s of random jitter.
    create: (random) => (observation) =>
      Math.min(observation.attempt, 10) * 1000 + random() * 1000,
    timestamps: true,
  },
  { name: "behalf", create: () => nextPollDelay, timestamps: true },
  {
    name: "behalf, timestamps ignored",
    create: () => nextPollDelay,
    timestamps: false,
  },
];

/** A small seeded generator (mulberry32), so every run of the benchmark prints the same figures. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Totals {
  delay: number;
  gets: number;
  count: number;
}

async function measure(
  scenario: Scenario,
  schedule: Schedule,
): Promise<Totals[]> {
  const totals = buckets.map(() => ({ delay: 0, gets: 0, count: 0 }));
  const random = seededRandom(7);
  for (
    let latency = scenario.fromMilliseconds;
    latency <= 30_000;
    latency += latencyStepMilliseconds
  ) {
    const clock = new VirtualClock();
    const message = scenario.build(latency, `message-${latency}`);
    const genie = new SimulatedGenie(clock, message, schedule.timestamps);
    const reference = {
      spaceId: "space",
      conversationId: "conversation",
      messageId: message.timeline.messageId,
    };
    // The start-conversation POST is sent at 0 and answered one round trip later.
    clock.time = roundTripMilliseconds;
    await waitForMessage(genie, reference, {
      deadlineMilliseconds: 120_000,
      sentAt: 0,
      clock,
      pollDelay: schedule.create(random),
    });

    const endedAt = genie.endedAt ?? clock.time;
    const messageLatency = endedAt - createdAt;
    const bucket = buckets.findIndex((entry) => messageLatency < entry.below);
    const total = totals[bucket];
    if (total !== undefined) {
      total.delay += clock.time - endedAt;
      total.gets += genie.gets;
      total.count += 1;
    }
  }
  return totals;
}

function cell(totals: Totals[]): string {
  const delay = totals.reduce((sum, total) => sum + total.delay, 0);
  const gets = totals.reduce((sum, total) => sum + total.gets, 0);
  const count = totals.reduce((sum, total) => sum + total.count, 0);
  if (count === 0) {
    return "–";
  }
  return `${(delay / count / 1000).toFixed(2)} s · ${(gets / count).toFixed(1)}`;
}

export async function run(): Promise<string> {
  const lines = [
    "## Genie polling",
    "",
    `Virtual clock, ${roundTripMilliseconds} ms per GET round trip, one message per ${latencyStepMilliseconds} ms of latency from the scenario's lower bound to 30 s. ` +
      "Each cell: mean detection delay · GETs per message, by the latency at which the message ended.",
  ];
  for (const scenario of scenarios) {
    lines.push(
      "",
      `### ${scenario.name}`,
      "",
      `${scenario.description}.`,
      "",
      `| schedule | ${buckets.map((bucket) => bucket.label).join(" | ")} | overall |`,
      `| --- | ${buckets.map(() => "---").join(" | ")} | --- |`,
    );
    for (const schedule of schedules) {
      const totals = await measure(scenario, schedule);
      const cells = totals.map((total) => cell([total]));
      lines.push(
        `| ${schedule.name} | ${cells.join(" | ")} | ${cell(totals)} |`,
      );
    }
  }
  return lines.join("\n");
}
