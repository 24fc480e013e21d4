import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askAgent } from "../../src/cli/agent-client.js";
import { type DemoStack, startDemoStack } from "../helpers/demo-stack.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack({ genieStatusStepMilliseconds: 5 });
});
afterAll(async () => {
  await stack?.close();
});

describe("interleaved requests from two users", () => {
  it("each see only their own data", async () => {
    const tokens = {
      "alice@example.com": await stack.tokenFor("alice@example.com"),
      "bob@example.com": await stack.tokenFor("bob@example.com"),
    };
    const expected = {
      "alice@example.com": expectedAverageDelay(2, ["West"]).average,
      "bob@example.com": expectedAverageDelay(2, ["Northeast"]).average,
    };

    const users = Array.from({ length: 50 }, (_, index) =>
      index % 2 === 0 ? "alice@example.com" : "bob@example.com",
    );
    const answers = await Promise.all(
      users.map((user) =>
        askAgent({
          url: stack.agentUrl,
          token: tokens[user as keyof typeof tokens],
          question: "What was the average departure delay in February 2001?",
        }).then((answer) => ({ user, answer })),
      ),
    );

    for (const { user, answer } of answers) {
      expect(answer.error).toBeUndefined();
      const step = answer.steps[0];
      const column =
        step?.columns?.findIndex((candidate) =>
          candidate.name.includes("delay"),
        ) ?? -1;
      expect(step?.rows?.[0]?.[column]).toBe(
        expected[user as keyof typeof expected],
      );
    }
  });
});
