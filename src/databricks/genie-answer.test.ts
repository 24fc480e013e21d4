import { afterEach, describe, expect, it, vi } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type RecordedRequest,
  type Responder,
  type ScriptedResponse,
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import {
  AuthenticationError,
  CancelledError,
  DeadlineExceededError,
  GenieMessageFailedError,
} from "../errors/errors.js";
import { GenieClient } from "./genie.js";
import {
  type AskOptions,
  askGenie,
  excerptResult,
  failedMessageReference,
} from "./genie-answer.js";
import { WorkspaceClient } from "./workspace-client.js";

const spaceId = "01f0c0ffee5ca1ab1e000000000f1a7e";
const userToken = "user-token-for-alice";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});

interface GenieScript {
  /** Message bodies served in turn to the polls; the last one repeats. */
  messages: unknown[];
  /** Query-result responses served in turn; the last one repeats. */
  results?: ScriptedResponse[];
  executeQuery?: ScriptedResponse;
  /** Overrides the response to the poll with this index (0-based). */
  pollOverride?: (index: number) => ScriptedResponse | undefined;
}

/** Serves start-conversation, then the scripted polls, query results and execute-query. */
function genieResponder(script: GenieScript): Responder {
  let polls = 0;
  let results = 0;
  return (request) => {
    if (request.path.endsWith("/start-conversation")) {
      return { body: loadFixture("genie-start-conversation") };
    }
    if (request.path.endsWith("/execute-query")) {
      return (
        script.executeQuery ?? { body: loadFixture("genie-execute-query") }
      );
    }
    if (request.path.endsWith("/query-result")) {
      const scripted = script.results ?? [
        { body: loadFixture("genie-query-result") },
      ];
      const response = scripted[Math.min(results, scripted.length - 1)];
      results += 1;
      return response ?? {};
    }
    const index = polls;
    polls += 1;
    const override = script.pollOverride?.(index);
    if (override !== undefined) {
      return override;
    }
    return {
      body: script.messages[Math.min(index, script.messages.length - 1)],
    };
  };
}

async function ask(responder: Responder, options: AskOptions = {}) {
  server = await startScriptedServer(responder);
  const genie = new GenieClient(
    new WorkspaceClient({
      host: server.url,
      authorization: () => `Bearer ${userToken}`,
      baseRetryDelayMilliseconds: 1,
    }),
  );
  const statuses: string[] = [];
  const answer = await askGenie(
    genie,
    {
      spaceId,
      content: "What was the average departure delay in February 2001?",
    },
    {
      deadlineMilliseconds: 5000,
      pollDelay: () => 5,
      onStatus: (status) => statuses.push(status),
      ...options,
    },
  );
  return { answer, statuses };
}

function paths(): string[] {
  return (server?.requests ?? []).map(
    (request) =>
      `${request.method} ${request.path.replace(/.*\/messages\//, ".../")}`,
  );
}

const completed = () => loadFixture("genie-message-completed");
const executing = () => loadFixture("genie-message-executing");

describe("askGenie statuses", () => {
  it("polls through statuses and reads the result", async () => {
    const { answer, statuses } = await ask(
      genieResponder({
        messages: [
          loadFixture("genie-message-asking-ai"),
          executing(),
          completed(),
        ],
      }),
    );
    expect(statuses).toEqual(["ASKING_AI", "EXECUTING_QUERY", "COMPLETED"]);
    expect(answer.result?.rows[0]).toEqual([8.27, 5964, 333_600_000, "ORD"]);
    expect(answer.query?.description).toBe(
      "Average departure delay of flights in February 2001.",
    );
  });

  it("fetches the result only after COMPLETED", async () => {
    await ask(genieResponder({ messages: [executing(), completed()] }));
    const requests = paths();
    const resultIndex = requests.findIndex((path) =>
      path.endsWith("/query-result"),
    );
    expect(resultIndex).toBe(requests.length - 1);
    expect(
      requests.filter((path) => path.endsWith("/query-result")),
    ).toHaveLength(1);
  });

  it("tolerates unknown in-progress statuses", async () => {
    const { statuses } = await ask(
      genieResponder({
        messages: [{ ...executing(), status: "SOME_NEW_STATUS" }, completed()],
      }),
    );
    expect(statuses).toEqual(["SOME_NEW_STATUS", "COMPLETED"]);
  });

  it("handles COMPLETED without attachments", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [loadFixture("genie-message-completed-without-attachments")],
      }),
    );
    expect(answer.result).toBeUndefined();
    expect(answer.texts).toEqual([]);
    expect(answer.query).toBeUndefined();
  });

  it("turns FAILED into a typed error with Genie's text", async () => {
    const failure = ask(
      genieResponder({ messages: [loadFixture("genie-message-failed")] }),
    );
    await expect(failure).rejects.toBeInstanceOf(GenieMessageFailedError);
    await expect(failure).rejects.toMatchObject({
      genieStatus: "FAILED",
      genieErrorType: "SQL_EXECUTION_EXCEPTION",
      message: expect.stringContaining(
        "does not have SELECT on Table 'samples.aviation.flights'",
      ),
    });
  });

  it("turns CANCELLED into a typed error", async () => {
    await expect(
      ask(
        genieResponder({ messages: [loadFixture("genie-message-cancelled")] }),
      ),
    ).rejects.toMatchObject({
      code: "GENIE_MESSAGE_FAILED",
      genieStatus: "CANCELLED",
      genieErrorType: "MESSAGE_CANCELLED_WHILE_EXECUTING_EXCEPTION",
    });
  });

  it("runs an expired query again once", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [loadFixture("genie-message-query-result-expired")],
      }),
    );
    expect(answer.status).toBe("QUERY_RESULT_EXPIRED");
    expect(answer.queryRerun).toBe(true);
    expect(answer.result?.rows).toEqual([[8.27]]);
    expect(answer.texts).toEqual([
      "The average departure delay in February 2001 was 8.27 minutes.",
    ]);
    expect(paths().filter((path) => path.endsWith("/execute-query"))).toEqual([
      "POST .../01f0a3c5e1d31c5b8a4e7f3e8d9bac21/attachments/01f0a3c5e2a41d6c9b5f8a4f9eabcd32/execute-query",
    ]);
    expect(paths().some((path) => path.endsWith("/query-result"))).toBe(false);
  });

  it("reports a second expiry as a typed error", async () => {
    const failure = ask(
      genieResponder({
        messages: [loadFixture("genie-message-query-result-expired")],
        executeQuery: { body: loadFixture("genie-query-result-closed") },
      }),
    );
    await expect(failure).rejects.toMatchObject({
      genieStatus: "QUERY_RESULT_EXPIRED",
      message: expect.stringContaining("expired again"),
    });
    expect(
      paths().filter((path) => path.endsWith("/execute-query")),
    ).toHaveLength(1);
  });

  it("runs a query again when reading its result finds it expired", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [completed()],
        results: [{ status: 400, body: loadFixture("error-result-expired") }],
      }),
    );
    expect(answer.queryRerun).toBe(true);
    expect(answer.result?.rows).toEqual([[8.27]]);
  });

  it("polls a running query result until it succeeds", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [completed()],
        results: [
          { body: loadFixture("genie-query-result-pending") },
          { body: loadFixture("genie-query-result-running") },
          { body: loadFixture("genie-query-result") },
        ],
      }),
    );
    expect(answer.result?.rowCount).toBe(2);
    expect(
      paths().filter((path) => path.endsWith("/query-result")),
    ).toHaveLength(3);
  });

  it("turns a failed query result into a typed error", async () => {
    await expect(
      ask(
        genieResponder({
          messages: [completed()],
          results: [{ body: loadFixture("genie-query-result-failed") }],
        }),
      ),
    ).rejects.toMatchObject({
      genieStatus: "FAILED",
      genieErrorType: "BAD_REQUEST",
      message: expect.stringContaining("[DIVIDE_BY_ZERO]"),
    });
  });

  it("waits for Retry-After when a poll is rate limited", async () => {
    const started = Date.now();
    await ask(
      genieResponder({
        messages: [executing(), completed()],
        pollOverride: (index) =>
          index === 1
            ? {
                status: 429,
                body: loadFixture("error-rate-limited"),
                headers: { "Retry-After": "1" },
              }
            : undefined,
      }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("ends a 401 during polling in an authentication error", async () => {
    const failure = ask(
      genieResponder({
        messages: [executing()],
        pollOverride: (index) =>
          index === 2
            ? { status: 401, body: loadFixture("error-unauthenticated") }
            : undefined,
      }),
    );
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
    await expect(failure).rejects.toMatchObject({ status: 401 });
    const polls = paths().filter((path) => path.startsWith("GET"));
    expect(polls).toHaveLength(3);
  });

  it("names the created message in its failures", async () => {
    const created = loadFixture("genie-start-conversation");
    const expected = {
      spaceId,
      conversationId: created.conversation_id,
      messageId: created.message_id,
    };
    const responders = [
      genieResponder({ messages: [loadFixture("genie-message-failed")] }),
      genieResponder({
        messages: [executing()],
        pollOverride: () => ({
          status: 401,
          body: loadFixture("error-unauthenticated"),
        }),
      }),
    ];
    for (const responder of responders) {
      const error = await ask(responder).then(
        fail,
        (rejection: unknown) => rejection,
      );
      await server?.close();
      expect(failedMessageReference(error)).toEqual(expected);
    }
  });

  it("names no message when creating it failed", async () => {
    const error = await ask(() => ({
      status: 401,
      body: loadFixture("error-unauthenticated"),
    })).then(fail, (rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(failedMessageReference(error)).toBeUndefined();
  });

  it("stops at the deadline", async () => {
    await expect(
      ask(genieResponder({ messages: [executing()] }), {
        deadlineMilliseconds: 300,
      }),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    const countAtDeadline = server?.requests.length ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server?.requests.length).toBe(countAtDeadline);
  });

  it("sends no request after abort", async () => {
    const controller = new AbortController();
    const pending = ask(genieResponder({ messages: [executing()] }), {
      deadlineMilliseconds: 60_000,
      signal: controller.signal,
      pollDelay: () => 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    const countAtAbort = server?.requests.length ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server?.requests.length).toBe(countAtAbort);
  });
});

describe("askGenie results", () => {
  it("keeps every answer text in order, suggestions apart", async () => {
    const { answer } = await ask(genieResponder({ messages: [completed()] }));
    expect(answer.texts).toEqual([
      "Here is the average departure delay for February 2001.",
      "Delays are in minutes; negative values are early departures.",
    ]);
    expect(answer.suggestedQuestions).toEqual([
      "What was the average departure delay per month?",
    ]);
    expect(answer.clarifyingQuestions).toEqual([]);
  });

  it("uses the last of several queries", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [loadFixture("genie-message-self-corrected")],
      }),
    );
    expect(answer.query?.title).toBe("Flights per origin");
    expect(answer.texts).toEqual([
      "The table name was wrong; I ran the query again on samples.aviation.flights.",
      "ORD had the most departures.",
    ]);
    const resultPaths = paths().filter((path) =>
      path.endsWith("/query-result"),
    );
    expect(resultPaths).toEqual([
      "GET .../01f0a3c5e1d31c5b8a4e7f3e8d9bac21/attachments/01f0a3c5e2a41d6c9b5f8a4f9eabcd63/query-result",
    ]);
  });

  it("surfaces a clarifying question as a question", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [loadFixture("genie-message-clarifying-question")],
      }),
    );
    expect(answer.clarifyingQuestions).toEqual([
      'Which airport do you mean by "the main hub"? Give its three-letter code, for example SFO.',
    ]);
    expect(answer.texts).toEqual([]);
    expect(answer.suggestedQuestions).toHaveLength(2);
    expect(answer.result).toBeUndefined();
  });

  it("reads a text-only answer without a result", async () => {
    const { answer } = await ask(
      genieResponder({ messages: [loadFixture("genie-message-text-only")] }),
    );
    expect(answer.texts).toHaveLength(1);
    expect(answer.query).toBeUndefined();
    expect(paths().some((path) => path.endsWith("/query-result"))).toBe(false);
  });

  it("reports an empty result as 0 rows", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [completed()],
        results: [{ body: loadFixture("genie-query-result-empty") }],
      }),
    );
    expect(answer.result?.rows).toEqual([]);
    expect(answer.result?.columns.map((column) => column.name)).toEqual([
      "origin",
      "flights",
    ]);
    const excerpt = excerptResult(answer.result ?? fail(), 50);
    expect(excerpt.rowCountText).toBe("0 rows");
    expect(excerpt.truncated).toBe(false);
  });

  it("flags a result cut at the API's 5,000 rows", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [completed()],
        results: [{ body: loadFixture("genie-query-result-truncated") }],
      }),
    );
    expect(answer.result?.rows).toHaveLength(5000);
    expect(answer.result?.rows[0]).toEqual(["A0000", 5000]);
    const excerpt = excerptResult(answer.result ?? fail(), 50);
    expect(excerpt.truncationReason).toBe("genie-api-row-cap");
    expect(excerpt.rowsShown).toBe(50);
    expect(excerpt.rowCountText).toMatch(/^at least 5,000 rows/);
  });

  it("reads a result whose query has no statement_id", async () => {
    const { answer } = await ask(
      genieResponder({
        messages: [loadFixture("genie-message-missing-statement-id")],
      }),
    );
    expect(answer.query?.statementId).toBeUndefined();
    expect(answer.result?.rowCount).toBe(2);
  });
});

describe("excerptResult", () => {
  const result = {
    columns: [{ name: "n", type: "INT" }],
    rows: Array.from({ length: 60 }, (_, index) => [index]),
    rowCount: 60,
    truncated: false,
  };

  it("flags rows beyond the budget", () => {
    const excerpt = excerptResult(result, 50);
    expect(excerpt.rows).toHaveLength(50);
    expect(excerpt.truncationReason).toBe("model-row-budget");
    expect(excerpt.rowCountText).toBe(
      "60 rows, of which the first 50 are shown",
    );
  });

  it("says 1 row in the singular", () => {
    const excerpt = excerptResult({ ...result, rows: [[1]], rowCount: 1 }, 50);
    expect(excerpt.rowCountText).toBe("1 row");
    expect(excerpt.truncated).toBe(false);
  });
});

describe("askGenie credentials", () => {
  it("sends the user's token and no ambient credential", async () => {
    const ambient = {
      DATABRICKS_TOKEN: "dapi0123456789abcdef0123456789abcdef",
      DATABRICKS_CLIENT_ID: "ambient-client-id",
      DATABRICKS_CLIENT_SECRET: "ambient-client-secret",
    };
    for (const [name, value] of Object.entries(ambient)) {
      vi.stubEnv(name, value);
    }
    await ask(
      genieResponder({
        messages: [loadFixture("genie-message-query-result-expired")],
      }),
    );

    const requests: RecordedRequest[] = server?.requests ?? [];
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(request.headers.authorization).toBe(`Bearer ${userToken}`);
      const everything = JSON.stringify(request);
      for (const value of Object.values(ambient)) {
        expect(everything).not.toContain(value);
      }
    }
    expect(requests.some((request) => request.path.startsWith("/oidc"))).toBe(
      false,
    );
  });

  it("refuses a token that expires within 60 s before any call", async () => {
    server = await startScriptedServer(
      genieResponder({ messages: [completed()] }),
    );
    const payload = Buffer.from(
      JSON.stringify({ sub: "alice", exp: Math.floor(Date.now() / 1000) + 30 }),
    ).toString("base64url");
    const expiring = `eyJhbGciOiJSUzI1NiJ9.${payload}.c2lnbmF0dXJl`;
    const genie = new GenieClient(
      new WorkspaceClient({
        host: server.url,
        authorization: () => `Bearer ${expiring}`,
      }),
    );
    const failure = askGenie(genie, { spaceId, content: "How many flights?" });
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
    await expect(failure).rejects.toThrow(/expires in \d+ s/);
    expect(server.requests).toHaveLength(0);
  });
});

function fail(): never {
  throw new Error("the answer has no result");
}
