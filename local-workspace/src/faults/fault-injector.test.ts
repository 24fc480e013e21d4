import { describe, expect, it } from "vitest";
import { InvalidFaultError } from "./fault-definitions.js";
import {
  defaultInjectedErrorText,
  FaultInjector,
  fingerprintToken,
} from "./fault-injector.js";
import { isLoopbackAddress } from "./fault-routes.js";

describe("FaultInjector message faults", () => {
  it("applies to the chosen space and user only", () => {
    const faults = new FaultInjector();
    faults.add([
      {
        type: "message",
        outcome: "FAILED",
        count: 2,
        spaceId: "s1",
        userName: "alice@example.com",
      },
    ]);

    expect(faults.takeMessageFault("s2", "alice@example.com")).toBeUndefined();
    expect(faults.takeMessageFault("s1", "bob@example.com")).toBeUndefined();
    expect(faults.takeMessageFault("s1", "alice@example.com")).toEqual({
      outcome: "FAILED",
      errorType: "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
      errorText: defaultInjectedErrorText,
    });
    expect(faults.list()[0]?.remaining).toBe(1);
    expect(faults.takeMessageFault("s1", "alice@example.com")).toBeDefined();
    expect(faults.takeMessageFault("s1", "alice@example.com")).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });
});

describe("FaultInjector route faults", () => {
  it("sends an error for N requests", () => {
    const faults = new FaultInjector();
    faults.add([
      { type: "http-error", routes: ["genie.start-conversation"], count: 2 },
    ]);
    const path = "/api/2.0/genie/spaces/s1/start-conversation";

    expect(faults.takeHttpError("GET", path)).toBeUndefined();
    expect(faults.takeHttpError("POST", path)?.status).toBe(503);
    expect(faults.takeHttpError("POST", path)?.status).toBe(503);
    expect(faults.takeHttpError("POST", path)).toBeUndefined();
  });

  it("adds delays until cleared", () => {
    const faults = new FaultInjector();
    faults.add([
      { type: "delay", routes: ["GET /a"], delayMilliseconds: 30 },
      { type: "delay", routes: ["* /a"], delayMilliseconds: 5, count: 1 },
    ]);

    expect(faults.takeDelay("GET", "/a")).toBe(35);
    expect(faults.takeDelay("GET", "/a")).toBe(30);
    expect(faults.takeDelay("GET", "/b")).toBe(0);
    expect(faults.clear()).toBe(1);
    expect(faults.takeDelay("GET", "/a")).toBe(0);
  });
});

describe("FaultInjector token expiry", () => {
  it("expires a token after K polls of a message", () => {
    const faults = new FaultInjector();
    faults.add([
      { type: "token-expiry", afterPolls: 2, userName: "alice@example.com" },
    ]);
    const token = fingerprintToken("token-a");

    expect(faults.expiresOnPoll(token, "bob@example.com", "m1")).toBe(false);
    expect(faults.expiresOnPoll(token, "bob@example.com", "m1")).toBe(false);
    expect(faults.expiresOnPoll(token, "bob@example.com", "m1")).toBe(false);
    expect(faults.isExpired(token)).toBe(false);
    expect(faults.expiresOnPoll(token, "alice@example.com", "m2")).toBe(false);
    expect(faults.expiresOnPoll(token, "alice@example.com", "m2")).toBe(false);
    expect(faults.expiresOnPoll(token, "alice@example.com", "m2")).toBe(true);
    expect(faults.isExpired(token)).toBe(true);
    expect(faults.hasTokenExpiryFaults()).toBe(false);
  });

  it("keeps tokens apart by fingerprint", () => {
    expect(fingerprintToken("a")).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintToken("a")).not.toBe(fingerprintToken("b"));
  });
});

describe("FaultInjector validation", () => {
  it.each([
    [{ type: "message", outcome: "DONE" }, "outcome"],
    [{ type: "http-error", routes: [] }, "routes"],
    [{ type: "http-error", routes: ["genie.nope"] }, "genie.nope"],
    [{ type: "delay", routes: ["GET /a"] }, "delayMilliseconds"],
    [{ type: "explode" }, "type"],
    [{ type: "token-expiry", afterPolls: 1, extra: true }, "body"],
  ])("rejects %j naming %s", (input, field) => {
    const faults = new FaultInjector();

    expect(() => faults.add([input])).toThrow(InvalidFaultError);
    expect(() => faults.add([input])).toThrow(field);
  });

  it("adds none of a batch with one invalid fault", () => {
    const faults = new FaultInjector();

    expect(() =>
      faults.add([
        { type: "message", outcome: "CANCELLED" },
        { type: "delay", routes: ["GET /a"] },
      ]),
    ).toThrow(InvalidFaultError);
    expect(faults.list()).toEqual([]);
  });
});

describe("isLoopbackAddress", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.3.2.1", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.0.1", false],
    ["::ffff:192.168.1.2", false],
    ["fe80::1", false],
  ])("classifies %s", (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });
});
