import { describe, expect, it } from "vitest";
import {
  AuthorizationCodeStore,
  codeChallengeOf,
} from "./authorization-codes.js";
import { redirectUriMatches } from "./oauth-clients.js";

const verifier = "v".repeat(43);

function grant() {
  return {
    clientId: "app",
    redirectUri: "http://127.0.0.1:9/callback",
    codeChallenge: codeChallengeOf(verifier),
    userName: "alice@example.com",
    scopes: ["all-apis"],
  };
}

describe("AuthorizationCodeStore", () => {
  it("rejects an expired code", () => {
    const store = new AuthorizationCodeStore(() => undefined, 0);
    const code = store.issue(grant());

    const result = store.redeem(code, {
      clientId: "app",
      redirectUri: "http://127.0.0.1:9/callback",
      codeVerifier: verifier,
    });

    expect(result).toMatchObject({
      error: "invalid_grant",
      description: expect.stringMatching(/expired/),
    });
  });

  it("reports reuse once per extra attempt", () => {
    const families: string[] = [];
    const store = new AuthorizationCodeStore((family) => families.push(family));
    const code = store.issue(grant());
    const presented = {
      clientId: "app",
      redirectUri: "http://127.0.0.1:9/callback",
      codeVerifier: verifier,
    };

    const first = store.redeem(code, presented);
    store.redeem(code, presented);

    expect(first).toMatchObject({ userName: "alice@example.com" });
    expect(families).toEqual(["family" in first ? first.family : ""]);
  });

  it("uses the code up on a failed attempt", () => {
    const store = new AuthorizationCodeStore(() => undefined);
    const code = store.issue(grant());
    const presented = {
      clientId: "app",
      redirectUri: "http://127.0.0.1:9/callback",
      codeVerifier: "w".repeat(43),
    };

    store.redeem(code, presented);
    const retry = store.redeem(code, { ...presented, codeVerifier: verifier });

    expect(retry).toMatchObject({ error: "invalid_grant" });
  });
});

describe("redirectUriMatches", () => {
  it.each([
    ["http://127.0.0.1:9/callback", "http://127.0.0.1:9/callback", true],
    ["http://127.0.0.1:9/callback", "http://127.0.0.1:4711/callback", true],
    ["http://localhost:8020", "http://localhost:53127/", true],
    ["http://127.0.0.1:9/callback", "http://127.0.0.1:9/other", false],
    ["http://127.0.0.1:9/callback", "http://127.0.0.1:9/callback#x", false],
    ["http://127.0.0.1:9/callback", "http://user@127.0.0.1:9/callback", false],
    ["https://app.example/callback", "https://app.example:444/callback", false],
    ["http://127.0.0.1:9/callback", "https://127.0.0.1:9/callback", false],
    ["http://127.0.0.1:9/callback", "not a url", false],
  ])("matches %s against %s: %s", (registered, candidate, expected) => {
    expect(redirectUriMatches(registered, candidate)).toBe(expected);
  });
});
