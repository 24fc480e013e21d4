import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import { CancelledError, DeadlineExceededError } from "../errors/errors.js";
import {
  requireRequestScope,
  runInRequestScope,
} from "../identity/request-context.js";
import { UserCredential } from "../identity/user-credential.js";
import { GenieClient } from "./genie.js";
import {
  type Admission,
  type AdmissionRequest,
  defaultPauseMilliseconds,
  GenieAdmission,
  GenieAdmissionTimeoutError,
  maximumPauseMilliseconds,
} from "./genie-admission.js";
import { WorkspaceClient } from "./workspace-client.js";

const start = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Records the order in which questions are admitted and keeps their places to release. */
class Admissions {
  readonly order: string[] = [];
  readonly places = new Map<string, Admission>();
  readonly failures = new Map<string, unknown>();

  constructor(readonly queue: GenieAdmission) {}

  ask(label: string, request: Partial<AdmissionRequest> = {}): void {
    this.queue
      .admit({ userKey: label.split("-")[0] ?? label, ...request })
      .then(
        (place) => {
          this.order.push(label);
          this.places.set(label, place);
        },
        (error: unknown) => this.failures.set(label, error),
      );
  }

  release(label: string): void {
    this.places.get(label)?.release();
  }
}

describe("GenieAdmission", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: start });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("admits at once without a limit", async () => {
    const admissions = new Admissions(new GenieAdmission());
    const onQueued = vi.fn();
    for (const label of ["alice-1", "alice-2", "alice-3", "bob-1"]) {
      admissions.ask(label, { onQueued });
    }
    await vi.advanceTimersByTimeAsync(0);

    expect(admissions.order).toEqual([
      "alice-1",
      "alice-2",
      "alice-3",
      "bob-1",
    ]);
    expect(onQueued).not.toHaveBeenCalled();
  });

  it("takes turns across users, in order within one", async () => {
    const admissions = new Admissions(
      new GenieAdmission({ questionsPerMinute: 1, windowMilliseconds: 1000 }),
    );
    for (const label of ["alice-1", "alice-2", "alice-3", "alice-4"]) {
      admissions.ask(label);
    }
    admissions.ask("bob-1");
    admissions.ask("carol-1");
    admissions.ask("bob-2");

    for (let turn = 0; turn < 7; turn++) {
      await vi.advanceTimersByTimeAsync(0);
      const latest = admissions.order.at(-1);
      if (latest !== undefined) {
        admissions.release(latest);
      }
      await vi.advanceTimersByTimeAsync(1000);
    }

    expect(admissions.order).toEqual([
      "alice-1",
      "alice-2",
      "bob-1",
      "carol-1",
      "alice-3",
      "bob-2",
      "alice-4",
    ]);
  });

  it("puts a newcomer one turn behind each waiting user", async () => {
    const admissions = new Admissions(
      new GenieAdmission({ questionsPerMinute: 1, windowMilliseconds: 1000 }),
    );
    const positions = new Map<string, number>();
    for (let index = 1; index <= 6; index++) {
      admissions.ask(`alice-${index}`, {
        onQueued: (position) => positions.set(`alice-${index}`, position),
      });
    }
    await vi.advanceTimersByTimeAsync(0);
    admissions.release("alice-1");
    await vi.advanceTimersByTimeAsync(1000);
    admissions.ask("bob-1", {
      onQueued: (position) => positions.set("bob-1", position),
    });

    expect(positions.get("alice-1")).toBeUndefined();
    expect(positions.get("alice-6")).toBe(5);
    expect(positions.get("bob-1")).toBe(2);
    for (let turn = 0; turn < 3; turn++) {
      admissions.release(admissions.order.at(-1) ?? "");
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(admissions.order.slice(0, 4)).toEqual([
      "alice-1",
      "alice-2",
      "alice-3",
      "bob-1",
    ]);
  });

  it("counts a question for one window from its release", async () => {
    const queue = new GenieAdmission({
      questionsPerMinute: 2,
      windowMilliseconds: 60_000,
    });
    const admissions = new Admissions(queue);
    admissions.ask("alice-1");
    admissions.ask("bob-1");
    admissions.ask("carol-1");
    await vi.advanceTimersByTimeAsync(100);
    admissions.release("alice-1");
    await vi.advanceTimersByTimeAsync(100);
    admissions.release("bob-1");

    expect(admissions.order).toEqual(["alice-1", "bob-1"]);
    expect(queue.inspect().counted).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000 - 200 + 99);
    expect(admissions.order).toEqual(["alice-1", "bob-1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(admissions.order).toEqual(["alice-1", "bob-1", "carol-1"]);
    expect(Date.now() - start).toBe(60_100);
  });

  it("waits for a question in flight whatever the window", async () => {
    const admissions = new Admissions(
      new GenieAdmission({ questionsPerMinute: 1, windowMilliseconds: 1000 }),
    );
    admissions.ask("alice-1");
    admissions.ask("bob-1");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(admissions.order).toEqual(["alice-1"]);

    admissions.release("alice-1");
    await vi.advanceTimersByTimeAsync(999);
    expect(admissions.order).toEqual(["alice-1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(admissions.order).toEqual(["alice-1", "bob-1"]);
  });

  it("pauses everyone for Retry-After after a 429", async () => {
    const queue = new GenieAdmission();
    const admissions = new Admissions(queue);
    queue.pause(2.5);
    admissions.ask("alice-1");
    admissions.ask("bob-1");
    expect(queue.inspect().pausedUntil).toBe(start + 2500);

    await vi.advanceTimersByTimeAsync(2499);
    expect(admissions.order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(admissions.order).toEqual(["alice-1", "bob-1"]);
    expect(queue.inspect().pausedUntil).toBeUndefined();
  });

  it("bounds pauses without or beyond Retry-After", () => {
    const queue = new GenieAdmission();
    queue.pause(undefined);
    expect(queue.inspect().pausedUntil).toBe(start + defaultPauseMilliseconds);
    queue.pause(3600);
    expect(queue.inspect().pausedUntil).toBe(start + maximumPauseMilliseconds);
    queue.pause(1);
    expect(queue.inspect().pausedUntil).toBe(start + maximumPauseMilliseconds);
  });

  it("drops a question aborted while queued", async () => {
    const queue = new GenieAdmission({
      questionsPerMinute: 1,
      windowMilliseconds: 1000,
    });
    const admissions = new Admissions(queue);
    const controller = new AbortController();
    admissions.ask("alice-1");
    admissions.ask("bob-1", { signal: controller.signal });
    admissions.ask("carol-1");
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.inspect().waiting).toHaveLength(2);

    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(admissions.failures.get("bob-1")).toBeInstanceOf(CancelledError);
    expect(queue.inspect().waiting.map((question) => question.userKey)).toEqual(
      ["carol"],
    );

    admissions.release("alice-1");
    await vi.advanceTimersByTimeAsync(1000);
    expect(admissions.order).toEqual(["alice-1", "carol-1"]);
    expect(admissions.places.has("bob-1")).toBe(false);
  });

  it("rejects a question that was aborted before it queued", async () => {
    const queue = new GenieAdmission();
    const controller = new AbortController();
    controller.abort();
    await expect(
      queue.admit({ userKey: "alice", signal: controller.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(queue.inspect().waiting).toEqual([]);
  });

  it("fails a question still queued at its deadline", async () => {
    const queue = new GenieAdmission({
      questionsPerMinute: 1,
      windowMilliseconds: 60_000,
    });
    const admissions = new Admissions(queue);
    admissions.ask("alice-1");
    admissions.ask("bob-1", { deadline: start + 5000 });
    await vi.advanceTimersByTimeAsync(4999);
    expect(admissions.failures.has("bob-1")).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    const failure = admissions.failures.get("bob-1");
    expect(failure).toBeInstanceOf(GenieAdmissionTimeoutError);
    expect(failure).toBeInstanceOf(DeadlineExceededError);
    const error = failure as GenieAdmissionTimeoutError;
    expect(error.code).toBe("DEADLINE_EXCEEDED");
    expect(error.waitedMilliseconds).toBe(5000);
    expect(error.message).toContain("waited 5.0 s for Genie's question budget");
    expect(error.message).toContain("1 questions per 60 s");
    expect(queue.inspect().waiting).toEqual([]);
  });

  it("names the pause when a 429 kept a question past its deadline", async () => {
    const queue = new GenieAdmission();
    queue.pause(30);
    const admission = queue.admit({ userKey: "alice", deadline: start + 2000 });
    const rejection = expect(admission).rejects.toThrow(
      /waited 2\.0 s for Genie's question budget \(paused after Genie answered 429\)/,
    );
    await vi.advanceTimersByTimeAsync(2000);
    await rejection;
  });

  it("stores only the user key and times of a waiting question", async () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    const queue = new GenieAdmission({
      questionsPerMinute: 1,
      windowMilliseconds: 1000,
    });
    const scope = {
      requestId: "request-1",
      credential: new UserCredential(token),
      user: { id: "4321", userName: "alice@example.com" },
      signal: new AbortController().signal,
    };
    runInRequestScope(scope, () => {
      const genieUser = requireRequestScope("test").user.id;
      void queue.admit({ userKey: genieUser });
      void queue.admit({
        userKey: genieUser,
        deadline: start + 30_000,
        signal: scope.signal,
        onQueued: () => {},
      });
    });
    await vi.advanceTimersByTimeAsync(0);

    const state = queue.inspect();
    expect(state.waiting).toEqual([
      { userKey: "4321", queuedAt: start, deadline: start + 30_000 },
    ]);
    expect(JSON.stringify(state)).not.toContain(token);
    expect(JSON.stringify(state)).not.toContain("alice@example.com");
  });

  it("resumes each admitted question in its own request scope", async () => {
    const queue = new GenieAdmission({
      questionsPerMinute: 1,
      windowMilliseconds: 1000,
    });
    const ask = (name: string) =>
      runInRequestScope(
        {
          requestId: `request-${name}`,
          credential: new UserCredential(`${name}-token`),
          user: { id: name, userName: `${name}@example.com` },
          signal: new AbortController().signal,
        },
        async () => {
          const place = await queue.admit({ userKey: name });
          const user = requireRequestScope("test").user.id;
          // The release schedules the next question from this request's context.
          place.release();
          return user;
        },
      );
    const users = Promise.all([ask("alice"), ask("bob"), ask("carol")]);
    await vi.advanceTimersByTimeAsync(3000);
    await expect(users).resolves.toEqual(["alice", "bob", "carol"]);
  });

  it("rejects a limit that is not a positive whole number", () => {
    expect(() => new GenieAdmission({ questionsPerMinute: 0 })).toThrow(
      /positive whole number of questions per minute, got 0/,
    );
    expect(() => new GenieAdmission({ questionsPerMinute: 2.5 })).toThrow(
      RangeError,
    );
  });
});

describe("GenieClient with an admission queue", () => {
  const spaceId = "01f0c0ffee5ca1ab1e000000000f1a7e";
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function clientFor(
    url: string,
    queue: GenieAdmission,
    userKey: string,
  ): GenieClient {
    return new GenieClient(
      new WorkspaceClient({
        host: url,
        authorization: () => `Bearer ${userKey}-token`,
        baseRetryDelayMilliseconds: 1,
        maxRetryDelayMilliseconds: 5,
      }),
      { queue, userKey },
    );
  }

  it("pauses everyone after a 429 and sends the question again", async () => {
    let rejected = 0;
    let bobSentAt = 0;
    server = await startScriptedServer((request) => {
      if (request.body.includes("second question")) {
        bobSentAt = Date.now();
      }
      if (request.method === "POST" && rejected < 2) {
        rejected += 1;
        return {
          status: 429,
          headers: { "Retry-After": "0.3" },
          body: { error_code: "REQUEST_LIMIT_EXCEEDED", message: "slow down" },
        };
      }
      const user = request.headers.authorization?.replace("Bearer ", "");
      return {
        body: {
          conversation_id: `conversation-of-${user}`,
          message_id: `message-${request.body}`,
          message: { status: "SUBMITTED" },
        },
      };
    });
    const queue = new GenieAdmission();
    const alice = clientFor(server.url, queue, "alice");
    const bob = clientFor(server.url, queue, "bob");
    const deadline = Date.now() + 10_000;

    const aliceAnswer = alice.startConversation(spaceId, "first question", {
      deadline,
    });
    // Bob asks once alice's retry has also got 429 and paused the queue.
    await expect
      .poll(() => queue.inspect().pausedUntil, { interval: 10 })
      .toBeDefined();
    const pausedUntil = queue.inspect().pausedUntil ?? 0;
    const bobAnswer = bob.startConversation(spaceId, "second question", {
      deadline,
    });

    await expect(aliceAnswer).resolves.toMatchObject({
      conversationId: "conversation-of-alice-token",
    });
    await expect(bobAnswer).resolves.toMatchObject({
      conversationId: "conversation-of-bob-token",
    });
    const posts = server.requests.filter(
      (request) => request.method === "POST",
    );
    expect(posts.map((request) => JSON.parse(request.body).content)).toEqual([
      "first question",
      "first question",
      "first question",
      "second question",
    ]);
    expect(bobSentAt).toBeGreaterThanOrEqual(pausedUntil);
    expect(queue.inspect().inFlight).toBe(0);
  });

  it("sends no request for a question aborted while queued", async () => {
    server = await startScriptedServer(() => ({
      body: { conversation_id: "c", message_id: "m" },
    }));
    const queue = new GenieAdmission();
    queue.pause(30);
    const controller = new AbortController();
    const answer = clientFor(server.url, queue, "alice").startConversation(
      spaceId,
      "a question",
      { signal: controller.signal, deadline: Date.now() + 10_000 },
    );
    // Long enough for the POST to arrive, had it not waited for the paused queue.
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();

    await expect(answer).rejects.toBeInstanceOf(CancelledError);
    expect(server.requests).toEqual([]);
    expect(queue.inspect().waiting).toEqual([]);
  });
});
