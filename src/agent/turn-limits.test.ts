import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  GenieMessageFailedError,
} from "../errors/errors.js";
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
    guard.recordFailure("flights", "call-1", failure);
    guard.recordSuccess();
    guard.recordFailure("flights", "call-2", failure);
    expect(guard.stop).toBeUndefined();
    guard.recordFailure("flights", "call-3", failure);
    expect(guard.stop).toEqual({
      reason: "consecutive-tool-failures",
      count: 2,
    });
    expect(guard.failures).toHaveLength(3);
  });

  it("stops at the first rejected credential", () => {
    const rejections: string[] = [];
    const guard = new TurnGuard(settings, {
      onCredentialRejected: (rejection) =>
        rejections.push(rejection.toolCallId),
    });
    guard.admit("flights", { question: "q" });
    const expired = new AuthenticationError("Genie rejected the credential.");
    guard.recordFailure("flights", "call-1", expired);

    expect(rejections).toEqual(["call-1"]);
    expect(guard.credentialRejection).toEqual({
      toolCallId: "call-1",
      toolName: "flights",
      error: expired,
    });
    expect(guard.isStopped({ steps: [] })).toBe(true);
    expect(() => guard.admit("flights", { question: "r" })).toThrow(
      /rejected the user's credential/,
    );

    guard.recordFailure("flights", "call-2", expired);
    expect(rejections).toEqual(["call-1"]);
  });

  it("does not stop at one other failure", () => {
    const guard = new TurnGuard(settings, {
      onCredentialRejected: () => {
        throw new Error("a Genie failure is not a rejected credential");
      },
    });
    guard.recordFailure(
      "flights",
      "call-1",
      new GenieMessageFailedError("FAILED", "Genie could not answer."),
    );
    expect(guard.credentialRejection).toBeUndefined();
    expect(guard.isStopped({ steps: [] })).toBe(false);
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
