import { describe, expect, it } from "vitest";
import { GenieMessageFailedError } from "../errors/errors.js";
import {
  canonicalJson,
  describeTurnStop,
  ToolCallRefusedError,
  TurnGuard,
} from "./turn-limits.js";

const settings = {
  maxSteps: 6,
  maxToolCalls: 4,
  maxConsecutiveToolFailures: 2,
  turnDeadlineSeconds: 280,
};

describe("TurnGuard", () => {
  it("refuses the call after the limit and stops", () => {
    const guard = new TurnGuard(settings);
    for (let index = 0; index < 4; index++) {
      guard.admit("flights", { question: `q${index}` });
    }
    expect(() => guard.admit("flights", { question: "q4" })).toThrow(
      ToolCallRefusedError,
    );
    expect(guard.stop).toEqual({ reason: "tool-call-limit", limit: 4 });
  });

  it("refuses the second repeat of an identical call", () => {
    const guard = new TurnGuard(settings);
    guard.admit("flights", { question: "q", month: 2 });
    guard.admit("flights", { month: 2, question: "q" });
    expect(guard.stop).toBeUndefined();
    expect(() => guard.admit("flights", { question: "q", month: 2 })).toThrow(
      /already called 2 times/,
    );
    expect(guard.stop).toEqual({
      reason: "repeated-tool-call",
      toolName: "flights",
    });
  });

  it("tells calls to other tools apart", () => {
    const guard = new TurnGuard(settings);
    guard.admit("flights", { question: "q" });
    guard.admit("flights", { question: "q" });
    guard.admit("airports", { question: "q" });
    expect(guard.stop).toBeUndefined();
  });

  it("stops after failures in a row, not after failures in total", () => {
    const guard = new TurnGuard(settings);
    const failure = new GenieMessageFailedError(
      "FAILED",
      "Genie could not answer.",
    );
    guard.recordFailure("flights", failure);
    guard.recordSuccess();
    guard.recordFailure("flights", failure);
    expect(guard.stop).toBeUndefined();
    guard.recordFailure("flights", failure);
    expect(guard.stop).toEqual({
      reason: "consecutive-tool-failures",
      count: 2,
    });
    expect(guard.failures).toHaveLength(3);
  });

  it("refuses every call once stopped", () => {
    const guard = new TurnGuard(settings);
    guard.stopAtDeadline();
    expect(() => guard.admit("flights", {})).toThrow(/the turn is stopping/);
    expect(guard.isStopped({ steps: [] })).toBe(true);
  });
});

describe("describeTurnStop", () => {
  it("names the limit and the latest failures", () => {
    const text = describeTurnStop(
      { reason: "consecutive-tool-failures", count: 3 },
      [1, 2, 3, 4].map((index) => ({
        toolName: "flights",
        code: "GENIE_MESSAGE_FAILED",
        message: `failure ${index}`,
      })),
    );
    expect(text).toMatch(
      /^The agent stopped before answering: 3 tool calls failed in a row/,
    );
    expect(text).not.toContain("failure 1");
    expect(text).toContain("- flights: GENIE_MESSAGE_FAILED: failure 4");
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: 2 } })).toBe(
      '{"a":{"c":2,"d":[1,{"e":2,"f":1}]},"b":1}',
    );
  });
});
