import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorkspace } from "../../local-workspace/src/server.js";
import { type AgentAnswer, askAgent } from "../../src/cli/agent-client.js";
import { loadConfig } from "../../src/config/load.js";
import { createAppCredentials } from "../../src/databricks/app-credentials.js";
import {
  type AdmissionState,
  GenieAdmission,
} from "../../src/databricks/genie-admission.js";
import {
  type RunningServer,
  startAgentServer,
} from "../../src/server/create-server.js";
import {
  type LocalWorkspace,
  repositoryRoot,
  testDataDirectory,
} from "../helpers/demo-stack.js";

/**
 * Genie's budget in this file: three questions per 2 s, the same in the workspace and in
 * behalf, so that a burst queues for seconds instead of minutes. The window is long enough
 * for all of alice's requests to reach the queue before it frees a place, even on a busy
 * machine.
 */
const questionsPerWindow = 3;
const windowMilliseconds = 2000;

const aliceQuestions = [
  "What was the average departure delay in January 2001?",
  "What was the average departure delay in March 2001?",
  "What is the average departure delay for flights from SFO?",
  "How many flights departed from SFO?",
  "How many flights departed from LAX?",
  "What was the average departure delay for flights from SEA in March 2001?",
];
const bobQuestion = "What was the average departure delay in February 2001?";

let workspace: LocalWorkspace;
let agent: RunningServer;
let admission: GenieAdmission;

beforeAll(async () => {
  workspace = await startLocalWorkspace({
    definition: join(repositoryRoot, "examples", "local-workspace.yaml"),
    port: 0,
    genieStatusStepMilliseconds: 20,
    genieQuestionsPerMinute: questionsPerWindow,
    genieThroughputWindowMilliseconds: windowMilliseconds,
    logLevel: process.env.LOCAL_WORKSPACE_LOG_LEVEL ?? "silent",
    dataDirectory: testDataDirectory,
  });
  const config = await loadConfig({
    path: join(repositoryRoot, "examples", "behalf.config.yaml"),
    environment: {},
    overrides: {
      workspace: { host: workspace.url },
      server: { port: 0 },
      genie: { questionsPerMinute: questionsPerWindow },
    },
  });
  admission = new GenieAdmission({
    questionsPerMinute: config.genie.questionsPerMinute,
    windowMilliseconds,
  });
  agent = await startAgentServer({
    config,
    host: workspace.url,
    appCredentials: createAppCredentials({
      host: workspace.url,
      clientId: workspace.servicePrincipal.clientId,
      clientSecret: workspace.servicePrincipal.clientSecret,
    }),
    environment: {},
    genieAdmission: admission,
  });
});
afterAll(async () => {
  await agent?.close();
  await workspace?.close();
});

async function scimId(token: string): Promise<string> {
  const response = await fetch(
    new URL("/api/2.0/preview/scim/v2/Me", workspace.url),
    { headers: { Authorization: `Bearer ${token}` } },
  );
  return ((await response.json()) as { id: string }).id;
}

/** Asks and keeps the queue position of each QUEUED progress event. */
async function ask(
  token: string,
  question: string,
): Promise<{ answer: AgentAnswer; positions: number[] }> {
  const positions: number[] = [];
  const answer = await askAgent({
    url: agent.url,
    token,
    question,
    onEvent: (event) => {
      if (event.type === "behalf.tool_progress" && event.status === "QUEUED") {
        positions.push(Number((event.data as { position: number }).position));
      }
    },
  });
  return { answer, positions };
}

describe("Genie's question budget shared by two users", () => {
  it("gives bob a turn within alice's burst", async () => {
    const aliceToken = await workspace.issueToken("alice@example.com");
    const bobToken = await workspace.issueToken("bob@example.com");
    const aliceId = await scimId(aliceToken);
    workspace.recorder.clear();

    const aliceAnswers = Promise.all(
      aliceQuestions.map((question) => ask(aliceToken, question)),
    );
    // Bob asks once all of alice's questions past the budget are waiting.
    const waitingForAlice = aliceQuestions.length - questionsPerWindow;
    await expect
      .poll(() => admission.inspect().waiting.length, {
        timeout: 10_000,
        interval: 5,
      })
      .toBe(waitingForAlice);
    const stateWhileQueued: AdmissionState = admission.inspect();
    const bob = await ask(bobToken, bobQuestion);
    const alice = await aliceAnswers;

    expect(
      stateWhileQueued.waiting.map((question) => question.userKey),
    ).toEqual(Array(waitingForAlice).fill(aliceId));
    expect(JSON.stringify(stateWhileQueued)).not.toContain(aliceToken);
    for (const { answer } of [...alice, bob]) {
      expect(answer.error).toBeUndefined();
      expect(answer.steps).toHaveLength(1);
      expect(answer.steps[0]?.error).toBeUndefined();
      expect(answer.steps[0]?.status).toBe("COMPLETED");
    }
    expect(bob.answer.steps[0]?.statuses[0]).toBe("QUEUED");
    expect(bob.positions).toEqual([2]);
    expect(
      alice
        .flatMap(({ positions }) => positions)
        .sort((first, second) => first - second),
    ).toEqual([1, 2, 3]);

    // Only these two POSTs ask a question, and a 429 would show as a second copy.
    const questionPosts = workspace.recorder.records.filter(
      (record) =>
        record.method === "POST" &&
        /\/(start-conversation|messages)$/.test(record.path),
    );
    const asked = questionPosts.map(
      (record) => (JSON.parse(record.body) as { content: string }).content,
    );
    expect([...asked].sort()).toEqual([...aliceQuestions, bobQuestion].sort());
    // First-come order would send bob's question last, as the seventh.
    const bobTurn = questionPosts.findIndex(
      (record) => record.headers.authorization === `Bearer ${bobToken}`,
    );
    expect(bobTurn).toBe(questionsPerWindow + 1);
    expect(admission.inspect()).toMatchObject({ waiting: [], inFlight: 0 });
  });
});
