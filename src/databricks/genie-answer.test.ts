import { afterEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  type Responder,
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import {
  CancelledError,
  DeadlineExceededError,
  GenieMessageFailedError,
} from "../errors/errors.js";
import { GenieClient } from "./genie.js";
import { askGenie } from "./genie-answer.js";
import { WorkspaceClient } from "./workspace-client.js";

const spaceId = "01f0c0ffee5ca1ab1e000000000f1a7e";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves start-conversation, then the given message bodies in turn, then the query result. */
function genieResponder(messages: unknown[]): Responder {
  let polls = 0;
  return (request) => {
    if (request.method === "POST") {
      return { body: loadFixture("genie-start-conversation") };
    }
    if (request.path.endsWith("/query-result")) {
      return { body: loadFixture("genie-query-result") };
    }
    const body = messages[Math.min(polls, messages.length - 1)];
    polls += 1;
    return { body };
  };
}

async function ask(
  responder: Responder,
  deadlineMilliseconds = 5000,
  signal?: AbortSignal,
) {
  server = await startScriptedServer(responder);
  const genie = new GenieClient(
    new WorkspaceClient({
      host: server.url,
      authorization: () => "Bearer user-token",
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
      deadlineMilliseconds,
      signal,
      onStatus: (status) => statuses.push(status),
    },
  );
  return { answer, statuses };
}

describe("askGenie", () => {
  it("polls through statuses and reads the result", async () => {
    const { answer, statuses } = await ask(
      genieResponder([
        { ...loadFixture("genie-message-executing"), status: "ASKING_AI" },
        loadFixture("genie-message-executing"),
        loadFixture("genie-message-completed"),
      ]),
    );
    expect(statuses).toEqual(["ASKING_AI", "EXECUTING_QUERY", "COMPLETED"]);
    expect(answer.result?.rows[0]).toEqual([8.27, 5964, 333_600_000, "ORD"]);
    expect(answer.query?.description).toBe(
      "Average departure delay of flights in February 2001.",
    );
  });

  it("keeps every text attachment in order", async () => {
    const { answer } = await ask(
      genieResponder([loadFixture("genie-message-completed")]),
    );
    expect(answer.texts).toEqual([
      "Here is the average departure delay for February 2001.",
      "Delays are in minutes; negative values are early departures.",
    ]);
    expect(answer.suggestedQuestions).toEqual([
      "What was the average departure delay per month?",
    ]);
  });

  it("fetches the result only after COMPLETED", async () => {
    await ask(
      genieResponder([
        loadFixture("genie-message-executing"),
        loadFixture("genie-message-completed"),
      ]),
    );
    const paths = server?.requests.map((request) => request.path) ?? [];
    const resultIndex = paths.findIndex((path) =>
      path.endsWith("/query-result"),
    );
    expect(resultIndex).toBe(paths.length - 1);
    expect(paths.filter((path) => path.endsWith("/query-result"))).toHaveLength(
      1,
    );
  });

  it("tolerates unknown in-progress statuses", async () => {
    const { statuses } = await ask(
      genieResponder([
        {
          ...loadFixture("genie-message-executing"),
          status: "SOME_NEW_STATUS",
        },
        loadFixture("genie-message-completed"),
      ]),
    );
    expect(statuses).toEqual(["SOME_NEW_STATUS", "COMPLETED"]);
  });

  it("handles COMPLETED without attachments", async () => {
    const { answer } = await ask(
      genieResponder([
        loadFixture("genie-message-completed-without-attachments"),
      ]),
    );
    expect(answer.result).toBeUndefined();
    expect(answer.texts).toEqual([]);
  });

  it("turns FAILED into a typed error with Genie's text", async () => {
    const failure = ask(genieResponder([loadFixture("genie-message-failed")]));
    await expect(failure).rejects.toBeInstanceOf(GenieMessageFailedError);
    await expect(failure).rejects.toMatchObject({
      genieErrorType: "SQL_EXECUTION_EXCEPTION",
      message: expect.stringContaining(
        "does not have SELECT on Table 'samples.aviation.flights'",
      ),
    });
  });

  it("turns CANCELLED into a typed error", async () => {
    const cancelled = {
      ...loadFixture("genie-message-executing"),
      status: "CANCELLED",
    };
    await expect(ask(genieResponder([cancelled]))).rejects.toMatchObject({
      genieStatus: "CANCELLED",
    });
  });

  it("stops at the deadline", async () => {
    const executing = loadFixture("genie-message-executing");
    await expect(ask(genieResponder([executing]), 300)).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
  });

  it("sends no request after abort", async () => {
    const controller = new AbortController();
    const executing = loadFixture("genie-message-executing");
    const pending = ask(genieResponder([executing]), 60_000, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 400));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    const countAtAbort = server?.requests.length ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server?.requests.length).toBe(countAtAbort);
  });

  it("sends the user's credential and only it", async () => {
    await ask(genieResponder([loadFixture("genie-message-completed")]));
    for (const request of server?.requests ?? []) {
      expect(request.headers.authorization).toBe("Bearer user-token");
    }
  });
});
