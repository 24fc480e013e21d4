import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  NoRequestIdentityError,
} from "../errors/errors.js";
import { requireRequestScope, runInRequestScope } from "./request-context.js";
import { readUserToken, resolveServerMode } from "./token-source.js";
import { UserCredential } from "./user-credential.js";

function jwtWith(payload: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "ES256" })}.${encode(payload)}.signature`;
}

describe("readUserToken", () => {
  it("reads Authorization in standalone mode", () => {
    expect(
      readUserToken(new Headers({ Authorization: "Bearer abc" }), "standalone"),
    ).toBe("abc");
  });

  it("ignores x-forwarded headers in standalone mode", () => {
    const headers = new Headers({
      "x-forwarded-access-token": "abc",
      "x-forwarded-email": "carol@example.com",
    });
    expect(() => readUserToken(headers, "standalone")).toThrow(
      AuthenticationError,
    );
  });

  it("reads x-forwarded-access-token in Apps mode", () => {
    expect(
      readUserToken(new Headers({ "x-forwarded-access-token": "abc" }), "apps"),
    ).toBe("abc");
  });

  it("ignores Authorization in Apps mode", () => {
    expect(() =>
      readUserToken(new Headers({ Authorization: "Bearer abc" }), "apps"),
    ).toThrow(/x-forwarded-access-token header is missing/);
  });

  it("rejects a non-bearer Authorization", () => {
    expect(() =>
      readUserToken(new Headers({ Authorization: "Basic abc" }), "standalone"),
    ).toThrow(/Bearer/);
  });
});

describe("resolveServerMode", () => {
  it("detects Databricks Apps", () => {
    expect(resolveServerMode(undefined, { DATABRICKS_APP_NAME: "agent" })).toBe(
      "apps",
    );
    expect(resolveServerMode(undefined, {})).toBe("standalone");
    expect(
      resolveServerMode("standalone", { DATABRICKS_APP_NAME: "agent" }),
    ).toBe("standalone");
  });
});

describe("UserCredential", () => {
  const token = jwtWith({
    sub: "alice@example.com",
    scope: "genie sql",
    exp: 2_000_000_000,
  });

  it("never shows the token when logged or serialised", () => {
    const credential = new UserCredential(token);
    expect(JSON.stringify({ credential })).not.toContain(token);
    expect(inspect(credential)).not.toContain(token);
    expect(String(credential)).not.toContain(token);
  });

  it("reads scopes and expiry without verifying", () => {
    const credential = new UserCredential(token);
    expect(credential.claims.scopes).toEqual(["genie", "sql"]);
    expect(credential.claims.expiresAt?.getTime()).toBe(2_000_000_000_000);
  });

  it("reads nothing from an opaque token", () => {
    expect(new UserCredential("dapi0123").claims).toEqual({});
  });
});

describe("request scope", () => {
  it("throws a typed error outside a request", () => {
    expect(() => requireRequestScope("The Genie tool")).toThrow(
      NoRequestIdentityError,
    );
  });

  it("keeps each request's identity across awaits", async () => {
    const run = (name: string, delay: number) =>
      runInRequestScope(
        {
          requestId: name,
          credential: new UserCredential(`${name}-token`),
          user: { id: name, userName: name },
          signal: new AbortController().signal,
        },
        async () => {
          await new Promise((resolve) => setTimeout(resolve, delay));
          return requireRequestScope("test").user.userName;
        },
      );
    const names = await Promise.all([
      run("alice", 20),
      run("bob", 5),
      run("alice", 1),
      run("bob", 15),
    ]);
    expect(names).toEqual(["alice", "bob", "alice", "bob"]);
  });
});
