import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentAnswer, askAgent } from "../../src/cli/agent-client.js";
import { type DemoStack, startDemoStack } from "../helpers/demo-stack.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";
import { strikesByState } from "../helpers/wildlife-figures.js";

const wildlifeQuestion =
  "What was the total repair cost of wildlife strikes by state?";
const flightsQuestion =
  "What was the average departure delay in February 2001?";

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack({ genieStatusStepMilliseconds: 5 });
});
afterAll(async () => {
  await stack?.close();
});

async function askAs(userName: string, question: string): Promise<AgentAnswer> {
  return askAgent({
    url: stack.agentUrl,
    token: await stack.tokenFor(userName),
    question,
  });
}

/** Returns the rows of the only tool call, keyed by column name. */
function rowsOf(answer: AgentAnswer): Record<string, unknown>[] {
  const step = answer.steps[0];
  const names = step?.columns?.map((column) => column.name) ?? [];
  return (step?.rows ?? []).map((row) =>
    Object.fromEntries(names.map((name, index) => [name, row[index]])),
  );
}

describe("routing by tool description", () => {
  it("sends a wildlife question to the wildlife space", async () => {
    const answer = await askAs("carol@example.com", wildlifeQuestion);
    const step = answer.steps[0];

    expect(answer.error).toBeUndefined();
    expect(answer.steps).toHaveLength(1);
    expect(step?.tool).toBe("wildlife_strikes");
    expect(step?.status).toBe("COMPLETED");
    expect(step?.sql).toContain("samples.aviation.bird_strikes");
  });

  it("sends a flights question to the flights space", async () => {
    const answer = await askAs("carol@example.com", flightsQuestion);
    const step = answer.steps[0];
    const average = step?.rows?.[0]?.[0];

    expect(answer.steps).toHaveLength(1);
    expect(step?.tool).toBe("flights");
    expect(step?.sql).toContain("samples.aviation.flights");
    expect(average).toBe(expectedAverageDelay(2, "all").average);
  });
});

describe("wildlife cost masks", () => {
  const expected = strikesByState();

  it("show carol the repair cost of every state", async () => {
    const rows = rowsOf(await askAs("carol@example.com", wildlifeQuestion));

    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const totals = expected.get(String(row.state));
      expect(totals, `state ${row.state}`).toBeDefined();
      expect(Number(row.strike_count)).toBe(totals?.strikes);
      expect(Number(row.total_repair_cost_usd)).toBe(totals?.repairCost);
    }
  });

  it("show alice the same strikes with NULL costs", async () => {
    const answer = await askAs("alice@example.com", wildlifeQuestion);
    const rows = rowsOf(answer);
    const texas = expected.get("Texas");

    expect(answer.steps[0]?.tool).toBe("wildlife_strikes");
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      expect(Number(row.strike_count)).toBe(
        expected.get(String(row.state))?.strikes,
      );
      expect(row.total_repair_cost_usd).toBeNull();
    }
    expect(texas?.repairCost).toBeGreaterThan(0);
    expect(answer.answer).not.toContain(String(texas?.repairCost));
  });

  it("hide costs from erin, a member through a nested group", async () => {
    const rows = rowsOf(await askAs("erin@example.com", wildlifeQuestion));

    expect(rows).toHaveLength(expected.size);
    expect(rows.every((row) => row.total_repair_cost_usd === null)).toBe(true);
  });

  it("tell dave he lacks SELECT on the strikes table", async () => {
    const answer = await askAs("dave@example.com", wildlifeQuestion);
    const step = answer.steps[0];

    expect(step?.tool).toBe("wildlife_strikes");
    expect(step?.error?.message).toMatch(
      /does not have .*SELECT on Table 'samples\.aviation\.bird_strikes'/,
    );
    expect(step?.rows).toBeUndefined();
  });
});
