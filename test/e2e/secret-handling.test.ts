import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askAgent } from "../../src/cli/agent-client.js";
import { NoRequestIdentityError } from "../../src/errors/errors.js";
import { redirectLogs } from "../../src/logging/logger.js";
import { createTools } from "../../src/server/create-server.js";
import { genieToolInput } from "../../src/tools/genie-tool.js";
import { type DemoStack, startDemoStack } from "../helpers/demo-stack.js";

/** Ambient app credentials that must never reach a user-side request. */
const ambientEnvironment = {
  DATABRICKS_TOKEN: "dapi00000000000000000000000000ambient",
  DATABRICKS_CLIENT_ID: "ambient-client-id",
  DATABRICKS_CLIENT_SECRET: "ambient-client-secret",
};

let stack: DemoStack;
const logLines: string[] = [];
let restoreLogs: () => void;

beforeAll(async () => {
  restoreLogs = redirectLogs((line) => logLines.push(line), "debug");
  stack = await startDemoStack({ environment: ambientEnvironment });
});
afterAll(async () => {
  restoreLogs?.();
  await stack?.close();
});

describe("user tokens in logs", () => {
  it("appear nowhere after successes and failures", async () => {
    const tokens = await Promise.all(
      ["alice@example.com", "bob@example.com", "dave@example.com"].map((user) =>
        stack.tokenFor(user),
      ),
    );
    for (const token of tokens) {
      await askAgent({
        url: stack.agentUrl,
        token,
        question: "What was the average departure delay in February 2001?",
      });
    }
    await fetch(`${stack.agentUrl}/responses`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${tokens[0]}x`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ input: "hello" }),
    });

    const everything = logLines.join("");
    expect(logLines.length).toBeGreaterThan(10);
    for (const token of tokens) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.split(".")[2]);
    }
    expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it("leave one audit line per tool call, with the user and no token", async () => {
    const token = await stack.tokenFor("bob@example.com");
    logLines.length = 0;
    await askAgent({
      url: stack.agentUrl,
      token,
      question: "How many flights departed from BOS?",
    });

    const audits = logLines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.audit === true);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      event: "tool_call",
      tool: "flights",
      outcome: "success",
      userName: "bob@example.com",
      resource: "genie_space:01f0c0ffee5ca1ab1e000000000f1a7e",
    });
    expect(typeof audits[0].requestId).toBe("string");
    expect(typeof audits[0].durationMilliseconds).toBe("number");
    expect(JSON.stringify(audits)).not.toContain(token);
  });
});

describe("ambient app credentials", () => {
  it("never stand in for a missing user token", async () => {
    stack.workspace.recorder.clear();
    logLines.length = 0;
    const response = await fetch(`${stack.agentUrl}/responses`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ input: "How many flights departed from SFO?" }),
    });
    expect(response.status).toBe(401);
    expect(stack.workspace.recorder.records).toHaveLength(0);
    expect(logLines.join("")).toMatch(/No user token/);
  });

  it("never reach the workspace on a user's behalf", async () => {
    stack.workspace.recorder.clear();
    await askAgent({
      url: stack.agentUrl,
      token: await stack.tokenFor("alice@example.com"),
      question: "How many flights departed from SFO?",
    });
    const everything = JSON.stringify(stack.workspace.recorder.records);
    for (const value of Object.values(ambientEnvironment)) {
      expect(everything).not.toContain(value);
    }
  });
});

describe("tools outside a request", () => {
  it("refuse to run and make no call", async () => {
    const tools = createTools(stack.config, stack.workspace.url);
    const flights = tools.flights;
    stack.workspace.recorder.clear();
    const input = genieToolInput.parse({ question: "How many flights?" });
    await expect(
      flights?.execute?.(input, {
        toolCallId: "call-1",
        messages: [],
        abortSignal: new AbortController().signal,
      }),
    ).rejects.toBeInstanceOf(NoRequestIdentityError);
    expect(stack.workspace.recorder.records).toHaveLength(0);
  });
});

describe("a workspace error that echoes the token", () => {
  it("reaches neither the model nor the client", async () => {
    const token = await stack.tokenFor("alice@example.com");
    const fault = await fetch(`${stack.workspace.url}/local/api/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        type: "message",
        outcome: "FAILED",
        errorType: "SQL_EXECUTION_EXCEPTION",
        errorText: `Request with Authorization: Bearer ${token} failed; token ${token} rejected.`,
        userName: "alice@example.com",
      }),
    });
    expect(fault.status).toBeLessThan(300);
    stack.workspace.recorder.clear();

    const response = await fetch(`${stack.agentUrl}/responses`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        "x-behalf-progress": "true",
      },
      body: JSON.stringify({
        input: "What was the average departure delay in February 2001?",
        stream: true,
      }),
    });
    const streamed = await response.text();

    expect(streamed).toContain("GENIE_MESSAGE_FAILED");
    expect(streamed).not.toContain(token);
    const modelRequests = stack.workspace.recorder.records.filter((record) =>
      record.path.startsWith("/serving-endpoints"),
    );
    expect(modelRequests.length).toBeGreaterThanOrEqual(2);
    for (const request of modelRequests) {
      expect(request.body).not.toContain(token);
      expect(request.body).not.toContain(token.split(".")[2]);
    }
    expect(logLines.join("")).not.toContain(token);
  });
});
