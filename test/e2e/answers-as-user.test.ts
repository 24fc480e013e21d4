import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentAnswer, askAgent } from "../../src/cli/agent-client.js";
import { type DemoStack, startDemoStack } from "../helpers/demo-stack.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";

const question = "What was the average departure delay in February 2001?";

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack();
});
afterAll(async () => {
  await stack?.close();
});

async function askAs(userName: string): Promise<AgentAnswer> {
  return askAgent({
    url: stack.agentUrl,
    token: await stack.tokenFor(userName),
    question,
  });
}

function averageFrom(answer: AgentAnswer): unknown {
  const step = answer.steps[0];
  const column =
    step?.columns?.findIndex((candidate) => candidate.name.includes("delay")) ??
    -1;
  return step?.rows?.[0]?.[column];
}

describe("the same question asked by different users", () => {
  it("gives alice the West figure", async () => {
    const answer = await askAs("alice@example.com");
    const expected = expectedAverageDelay(2, ["West"]);
    expect(answer.error).toBeUndefined();
    expect(answer.steps).toHaveLength(1);
    expect(answer.steps[0]?.tool).toBe("flights");
    expect(answer.steps[0]?.status).toBe("COMPLETED");
    expect(answer.steps[0]?.sql).toMatch(/EXTRACT\(MONTH FROM date\) = 2/i);
    expect(averageFrom(answer)).toBe(expected.average);
    expect(answer.answer).toContain(String(expected.average));
  });

  it("gives bob the Northeast figure", async () => {
    const answer = await askAs("bob@example.com");
    const expected = expectedAverageDelay(2, ["Northeast"]);
    expect(averageFrom(answer)).toBe(expected.average);
    expect(answer.answer).toContain(String(expected.average));
  });

  it("gives alice and bob different figures", async () => {
    const [alice, bob] = await Promise.all([
      askAs("alice@example.com"),
      askAs("bob@example.com"),
    ]);
    expect(averageFrom(alice)).not.toBe(averageFrom(bob));
  });

  it("gives carol the all-regions figure", async () => {
    const answer = await askAs("carol@example.com");
    expect(averageFrom(answer)).toBe(expectedAverageDelay(2, "all").average);
  });

  it("tells dave he has no access, with no rows", async () => {
    const answer = await askAs("dave@example.com");
    const step = answer.steps[0];
    expect(answer.error).toBeUndefined();
    expect(step?.error?.code).toBe("GENIE_MESSAGE_FAILED");
    expect(step?.error?.message).toMatch(
      /does not have .*SELECT on Table 'samples\.aviation\.flights'/,
    );
    expect(step?.rows).toBeUndefined();
    expect(answer.answer).toMatch(/could not|no access|not have/i);
    expect(answer.answer).not.toMatch(/\d+\.\d+/);
  });

  it("reports the model that planned the turn", async () => {
    const answer = await askAs("alice@example.com");
    expect(answer.model).toBe("offline-router");
  });
});
