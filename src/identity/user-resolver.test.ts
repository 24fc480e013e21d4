import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
} from "vitest";
import {
  type ScriptedServer,
  startScriptedServer,
} from "../../test/helpers/scripted-server.js";
import { AuthenticationError } from "../errors/errors.js";
import { UserCredential } from "./user-credential.js";
import { UserResolver } from "./user-resolver.js";

const mePath = "/api/2.0/preview/scim/v2/Me";
const minute = 60_000;
/** A fixed start time, so every expiry below is exact. */
const start = Date.parse("2026-01-05T09:00:00Z");

/** Returns an unsigned JWT-shaped token for `userName`, which behalf reads without verifying. */
function jwtFor(userName: string, expiresAt: number, serial: number): string {
  const encode = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    encode({ alg: "RS256", typ: "JWT" }),
    encode({ sub: userName, exp: Math.floor(expiresAt / 1000), jti: serial }),
    "signature",
  ].join(".");
}

/** The user each token belongs to, as the scripted SCIM Me returns it; other tokens get 401. */
const owners = new Map<string, string>();
let serial = 0;

function tokenFor(
  userName: string,
  options: { expiresAt?: number; opaque?: boolean } = {},
): string {
  serial += 1;
  const token = options.opaque
    ? `dapi-opaque-${serial}`
    : jwtFor(userName, options.expiresAt ?? start + 60 * minute, serial);
  owners.set(token, userName);
  return token;
}

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer((request) => {
    const token = request.headers.authorization?.replace(/^Bearer /, "") ?? "";
    const userName = owners.get(token);
    if (request.path !== mePath || userName === undefined) {
      return {
        status: 401,
        body: { error_code: "UNAUTHENTICATED", message: "Invalid token." },
      };
    }
    return {
      body: { id: `id-${userName}`, userName, displayName: userName },
    };
  });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  vi.useRealTimers();
  server.requests.length = 0;
});

/** Fakes only Date, so the HTTP client's timers still run. */
function setClock(time: number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(time);
}

function lookupsWith(token: string): number {
  return server.requests.filter(
    (request) => request.headers.authorization === `Bearer ${token}`,
  ).length;
}

function newResolver(maxCacheEntries?: number): UserResolver {
  return new UserResolver({ host: server.url, maxCacheEntries });
}

describe("UserResolver", () => {
  it("asks SCIM Me once per token while cached", async () => {
    setClock(start);
    const resolver = newResolver();
    const token = tokenFor("alice@example.com");

    const users = [];
    for (let index = 0; index < 3; index++) {
      users.push(await resolver.resolve(new UserCredential(token)));
    }

    expect(lookupsWith(token)).toBe(1);
    expect(server.requests.map((request) => request.path)).toEqual([mePath]);
    for (const user of users) {
      expect(user).toEqual({
        id: "id-alice@example.com",
        userName: "alice@example.com",
        displayName: "alice@example.com",
      });
    }
  });

  it("keeps two tokens of one user apart", async () => {
    setClock(start);
    const resolver = newResolver();
    const first = tokenFor("alice@example.com");
    const second = tokenFor("alice@example.com");

    for (const token of [first, second, first, second]) {
      await resolver.resolve(new UserCredential(token));
    }

    expect(lookupsWith(first)).toBe(1);
    expect(lookupsWith(second)).toBe(1);
  });

  it("never outlives a short-lived token", async () => {
    setClock(start);
    const resolver = newResolver();
    const expiresAt = start + 5 * minute;
    const token = tokenFor("bob@example.com", { expiresAt });
    await resolver.resolve(new UserCredential(token));

    // Cached until 60 s before the token expires.
    vi.setSystemTime(expiresAt - minute - 1000);
    await resolver.resolve(new UserCredential(token));
    expect(lookupsWith(token)).toBe(1);

    // Within the last 60 s the token is rejected, with no lookup.
    vi.setSystemTime(expiresAt - minute + 1000);
    const rejected = resolver.resolve(new UserCredential(token));
    await expect(rejected).rejects.toBeInstanceOf(AuthenticationError);
    await expect(rejected).rejects.toThrow("expires within 60 seconds");
    expect(lookupsWith(token)).toBe(1);

    // The renewed token is a new entry, looked up once.
    const renewed = tokenFor("bob@example.com", {
      expiresAt: expiresAt + 60 * minute,
    });
    const user = await resolver.resolve(new UserCredential(renewed));
    await resolver.resolve(new UserCredential(renewed));
    expect(user.userName).toBe("bob@example.com");
    expect(lookupsWith(renewed)).toBe(1);
  });

  it("looks a long-lived token up again after 10 minutes", async () => {
    setClock(start);
    const resolver = newResolver();
    const jwt = tokenFor("carol@example.com", {
      expiresAt: start + 120 * minute,
    });
    const opaque = tokenFor("carol@example.com", { opaque: true });
    for (const token of [jwt, opaque]) {
      await resolver.resolve(new UserCredential(token));
    }

    vi.setSystemTime(start + 10 * minute - 1000);
    for (const token of [jwt, opaque]) {
      await resolver.resolve(new UserCredential(token));
      expect(lookupsWith(token)).toBe(1);
    }

    vi.setSystemTime(start + 10 * minute + 1000);
    for (const token of [jwt, opaque]) {
      await resolver.resolve(new UserCredential(token));
      expect(lookupsWith(token)).toBe(2);
    }
  });

  it("drops the least recently used token beyond its size", async () => {
    setClock(start);
    const resolver = newResolver(2);
    const [first, second, third] = [1, 2, 3].map(() =>
      tokenFor("dave@example.com"),
    ) as [string, string, string];

    await resolver.resolve(new UserCredential(first));
    await resolver.resolve(new UserCredential(second));
    // Using the first token again makes the second the least recently used.
    await resolver.resolve(new UserCredential(first));
    await resolver.resolve(new UserCredential(third));

    await resolver.resolve(new UserCredential(first));
    await resolver.resolve(new UserCredential(third));
    expect(lookupsWith(first)).toBe(1);
    expect(lookupsWith(third)).toBe(1);

    await resolver.resolve(new UserCredential(second));
    expect(lookupsWith(second)).toBe(2);
  });

  it("caches no rejected token", async () => {
    setClock(start);
    const resolver = newResolver();
    const unknown = "dapi-unknown-token";

    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(
        resolver.resolve(new UserCredential(unknown)),
      ).rejects.toBeInstanceOf(AuthenticationError);
    }
    expect(lookupsWith(unknown)).toBe(2);
  });

  it("rejects a cache size below one", () => {
    expect(() => newResolver(0)).toThrow(
      "maxCacheEntries must be a positive integer, got 0.",
    );
  });
});
