import { describe, expect, it } from "vitest";
import { AuthenticationError } from "./errors.js";
import { redactText, redactValue } from "./redact.js";

const jwt =
  "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlX3NlbnRpbmVs";

describe("redactText", () => {
  it("removes JWTs", () => {
    expect(redactText(`token ${jwt} here`)).toBe("token [REDACTED] here");
  });

  it("removes a JWT cut short after its payload", () => {
    const cut = jwt.slice(0, jwt.lastIndexOf("."));
    expect(redactText(`id ${cut}`)).toBe("id [REDACTED]");
  });

  it("removes personal access tokens", () => {
    expect(
      redactText("dapi0123456789abcdef0123456789abcdef-2 was used"),
    ).not.toContain("dapi0123");
  });

  it("removes bearer values of any shape", () => {
    expect(redactText("Authorization: Bearer opaque-token_123")).toBe(
      "Authorization: Bearer [REDACTED]",
    );
  });

  it("keeps prose about bearer tokens", () => {
    expect(redactText("The bearer token has expired.")).toBe(
      "The bearer token has expired.",
    );
  });

  it("keeps ordinary text", () => {
    expect(redactText("average delay 8.27 minutes at SFO")).toBe(
      "average delay 8.27 minutes at SFO",
    );
  });
});

describe("redactValue", () => {
  it("replaces secret fields and nested tokens", () => {
    const value = redactValue({
      headers: { authorization: "Bearer x", "x-forwarded-access-token": jwt },
      nested: [{ note: `echo ${jwt}` }],
    });
    expect(JSON.stringify(value)).not.toContain("eyJ");
    expect(value).toMatchObject({ headers: { authorization: "[REDACTED]" } });
  });

  it("survives cycles", () => {
    const cyclic: Record<string, unknown> = { name: "a" };
    cyclic.self = cyclic;
    expect(redactValue(cyclic)).toEqual({ name: "a", self: "[Circular]" });
  });
});

describe("BehalfError", () => {
  it("redacts its message and serialises like Databricks", () => {
    const error = new AuthenticationError(`upstream echoed ${jwt}`);
    expect(error.message).not.toContain(jwt);
    expect(error.toJSON()).toEqual({
      error_code: "UNAUTHENTICATED",
      message: "upstream echoed [REDACTED]",
    });
    expect(error.status).toBe(401);
  });
});
