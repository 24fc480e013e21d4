import { describe, expect, it } from "vitest";
import { loadFixture } from "../../test/helpers/fixtures.js";
import {
  readErrorBody,
  readMissingScopes,
  readRetryAfterSeconds,
  toTypedError,
} from "./error-mapping.js";

const context = { service: "Genie", operation: "get message 01f0" };

describe("readErrorBody", () => {
  it.each([
    [
      "a Databricks body",
      JSON.stringify(loadFixture("error-resource-does-not-exist")),
      "RESOURCE_DOES_NOT_EXIST",
      /^No Genie space found/,
    ],
    [
      "an OAuth body",
      JSON.stringify(loadFixture("oauth-error-invalid-client")),
      "invalid_client",
      /^Client authentication failed$/,
    ],
    [
      "an OAuth summary body",
      JSON.stringify(loadFixture("oauth-error-summary")),
      "invalid_client",
      /^Invalid client secret$/,
    ],
    [
      "a SCIM body",
      JSON.stringify(loadFixture("scim-error")),
      undefined,
      /^Credential was not sent/,
    ],
    [
      "an HTML page",
      loadFixture<{ body: string }>("error-html-bad-gateway").body,
      undefined,
      /^The server returned an HTML error page\.$/,
    ],
    [
      "plain text",
      loadFixture<{ body: string }>("error-plain-text").body,
      undefined,
      /^upstream connect error/,
    ],
    [
      "an ERROR_CODE: message text",
      "TEMPORARILY_UNAVAILABLE: try again later",
      "TEMPORARILY_UNAVAILABLE",
      /^try again later$/,
    ],
    ["a JSON string", '"Bad gateway"', undefined, /^"Bad gateway"$/],
  ])("reads %s", (_kind, text, errorCode, message) => {
    const fields = readErrorBody(text);
    expect(fields.errorCode).toBe(errorCode);
    expect(fields.message).toMatch(message);
  });

  it("keeps at most 500 characters of text", () => {
    expect(readErrorBody("x".repeat(2000)).message).toHaveLength(500);
  });
});

describe("readRetryAfterSeconds", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-12-04T10:00:00Z");
    expect(readRetryAfterSeconds("7", now)).toBe(7);
    expect(readRetryAfterSeconds("Fri, 04 Dec 2026 10:00:30 GMT", now)).toBe(
      30,
    );
    expect(readRetryAfterSeconds("Fri, 04 Dec 2026 09:00:00 GMT", now)).toBe(0);
  });

  it("ignores a missing or invalid value", () => {
    expect(readRetryAfterSeconds(null)).toBeUndefined();
    expect(readRetryAfterSeconds("soon")).toBeUndefined();
  });
});

describe("readMissingScopes", () => {
  it("lists the scopes a 403 names", () => {
    expect(
      readMissingScopes(
        "Provided OAuth token does not have required scopes: genie, sql.",
      ),
    ).toEqual(["genie", "sql"]);
  });

  it("returns an empty list for an unnamed scope", () => {
    expect(readMissingScopes("Invalid scope")).toEqual([]);
  });

  it("returns undefined for other denials", () => {
    expect(
      readMissingScopes(
        loadFixture<{ message: string }>("error-permission-denied").message,
      ),
    ).toBeUndefined();
  });
});

describe("toTypedError", () => {
  it("carries the upstream status and code in details", () => {
    const error = toTypedError(
      503,
      readErrorBody(
        JSON.stringify(loadFixture("error-temporarily-unavailable")),
      ),
      null,
      context,
    );
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({
      upstreamStatus: 503,
      upstreamErrorCode: "TEMPORARILY_UNAVAILABLE",
    });
  });

  it("redacts a token the upstream echoed", () => {
    const error = toTypedError(
      401,
      {
        errorCode: "UNAUTHENTICATED",
        message: "Bearer dapi0123456789abcdef0123 is invalid",
      },
      null,
      context,
    );
    expect(error.message).not.toContain("dapi0123456789abcdef0123");
  });
});
