import { describe, expect, it } from "vitest";
import {
  compileRoutePattern,
  InvalidRoutePatternError,
  matchesRoute,
} from "./route-patterns.js";

const messagePath = "/api/2.0/genie/spaces/s1/conversations/c1/messages/m1";

describe("compileRoutePattern", () => {
  it.each([
    ["genie.get-message", "GET", messagePath, true],
    ["genie.get-message", "POST", messagePath, false],
    [
      "genie.get-message",
      "GET",
      `${messagePath}/attachments/a1/query-result`,
      false,
    ],
    [
      "genie.query-result",
      "GET",
      `${messagePath}/attachments/a1/query-result`,
      true,
    ],
    ["genie.any", "DELETE", messagePath, true],
    ["GET /api/2.0/genie/**", "GET", messagePath, true],
    [
      "/api/2.0/genie/spaces/*/start-conversation",
      "POST",
      "/api/2.0/genie/spaces/s1/start-conversation",
      true,
    ],
    ["* /api/2.0/genie/spaces/*", "GET", "/api/2.0/genie/spaces/s1", true],
    ["get /api/2.0/genie/spaces/*", "GET", "/api/2.0/genie/spaces/s1/", true],
    ["GET /api/2.0/genie/spaces/*", "GET", "/api/2.0/genie/spaces", false],
    [
      "GET /serving-endpoints/*-chat/invocations",
      "GET",
      "/serving-endpoints/local-chat/invocations",
      true,
    ],
    ["GET /a.b", "GET", "/aXb", false],
  ])("%s on %s %s is %s", (pattern, method, path, expected) => {
    expect(matchesRoute(compileRoutePattern(pattern), method, path)).toBe(
      expected,
    );
  });

  it.each(["", "genie.unknown", "GET", "GET api/no-slash"])(
    "rejects %j",
    (pattern) => {
      expect(() => compileRoutePattern(pattern)).toThrow(
        InvalidRoutePatternError,
      );
    },
  );
});
