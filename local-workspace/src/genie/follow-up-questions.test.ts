import { describe, expect, it } from "vitest";
import {
  looksLikeFollowUp,
  matchInConversation,
  rewriteFollowUp,
} from "./follow-up-questions.js";
import { testAirports, testExamples } from "./test-support.js";

describe("rewriteFollowUp", () => {
  it.each([
    [
      "And in March?",
      "What was the average departure delay in February 2001?",
      "What was the average departure delay in March?",
    ],
    [
      "What about from LAX?",
      "How many flights departed from SFO?",
      "How many flights departed from LAX?",
    ],
    [
      "And in March?",
      "How many flights departed from SFO?",
      "How many flights departed from SFO in March?",
    ],
    [
      "What about to JFK?",
      "How many flights went from SFO to LAX?",
      "How many flights went from SFO to JFK?",
    ],
    [
      "And from DEN in January?",
      "How many flights departed from SFO in March?",
      "How many flights departed from DEN in January?",
    ],
  ])("rewrites %j after %j", (followUp, previous, expected) => {
    expect(rewriteFollowUp(followUp, previous, testAirports)).toBe(expected);
  });

  it("needs a value", () => {
    expect(
      rewriteFollowUp(
        "And why?",
        "How many flights departed from SFO?",
        testAirports,
      ),
    ).toBeUndefined();
  });
});

describe("looksLikeFollowUp", () => {
  it.each([
    ["And in March?", true],
    ["What about from SEA?", true],
    ["LAX?", true],
    ["How many flights departed from SFO?", false],
  ])("reads %j", (question, expected) => {
    expect(looksLikeFollowUp(question, testAirports)).toBe(expected);
  });
});

describe("matchInConversation", () => {
  it("reuses the previous example", () => {
    const matched = matchInConversation(
      "And in March?",
      "What was the average departure delay in January 2001?",
      testExamples,
      testAirports,
    );

    expect(matched?.match.example).toBe(testExamples[0]);
    expect(matched?.match.parameters).toEqual([
      { name: "month", kind: "month", value: "3", sqlType: "INT" },
    ]);
    expect(matched?.understoodQuestion).toBe(
      "What was the average departure delay in March?",
    );
  });

  it("moves to an example with the added parameter", () => {
    const matched = matchInConversation(
      "And in March?",
      "How many flights departed from SFO?",
      testExamples,
      testAirports,
    );

    expect(matched?.match.example).toBe(testExamples[3]);
    expect(
      matched?.match.parameters.map((parameter) => parameter.value),
    ).toEqual(["SFO", "3"]);
  });

  it("answers a whole question on its own", () => {
    const matched = matchInConversation(
      "How many flights went from SFO to LAX?",
      "What was the average departure delay in January 2001?",
      testExamples,
      testAirports,
    );

    expect(matched?.match.example).toBe(testExamples[6]);
    expect(matched?.understoodQuestion).toBe(
      "How many flights went from SFO to LAX?",
    );
  });

  it("finds nothing without a previous question", () => {
    expect(
      matchInConversation(
        "And in March?",
        undefined,
        testExamples,
        testAirports,
      ),
    ).toBeUndefined();
  });
});
