import { type Tool, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../config/load.js";
import {
  ConfigError,
  MissingScopeError,
  NoRequestIdentityError,
} from "../errors/errors.js";
import { runInRequestScope } from "../identity/request-context.js";
import { UserCredential } from "../identity/user-credential.js";
import { redirectLogs } from "../logging/logger.js";
import { createTools } from "../server/create-server.js";
import { genieScopes } from "./genie-tool.js";
import {
  checkDeclaredScopes,
  scopeCovers,
  type ToolScopeRequirement,
  withScopeCheck,
} from "./scopes.js";
import { sqlScopes } from "./sql-tool.js";

/** Builds an unsigned JWT-shaped token with a `scope` claim, which behalf reads without verifying. */
function tokenWithScopes(scope: string): string {
  const encode = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    encode({ alg: "RS256", typ: "JWT" }),
    encode({
      sub: "alice@example.com",
      scope,
      exp: Math.floor(Date.now() / 1000) + 3600,
    }),
    "signature",
  ].join(".");
}

function asUser<T>(token: string, work: () => T): T {
  return runInRequestScope(
    {
      requestId: "request-1",
      credential: new UserCredential(token),
      user: { id: "1001", userName: "alice@example.com" },
      signal: new AbortController().signal,
    },
    work,
  );
}

const sqlRequirement: ToolScopeRequirement = {
  tool: "flights_sql",
  scopes: sqlScopes,
  resource: "sql_warehouse:4b9e0c6f7a2d1e35",
};

function countingTool(): { tool: Tool; calls: () => number } {
  let calls = 0;
  const counted = tool({
    inputSchema: z.object({}),
    execute: async () => {
      calls += 1;
      return { ok: true };
    },
  });
  return { tool: counted, calls: () => calls };
}

async function call(wrapped: Tool): Promise<unknown> {
  return wrapped.execute?.({}, { toolCallId: "call-1", messages: [] });
}

describe("scopeCovers", () => {
  it.each([
    ["sql", "sql", true],
    ["sql", "sql.statement-execution", true],
    ["sql.statement-execution", "sql.statement-execution", true],
    ["sql.statement-execution", "sql", false],
    ["sqlx", "sql", false],
    ["dashboards.genie", "genie", true],
    ["genie", "dashboards.genie", true],
    ["serving.serving-endpoints", "model-serving", true],
    ["model-serving", "serving.serving-endpoints", true],
    ["all-apis", "sql", true],
    ["all-apis", "genie", true],
    ["genie", "sql", false],
    ["offline_access", "sql", false],
  ])("%s covers %s: %s", (granted, required, expected) => {
    expect(scopeCovers(granted, required)).toBe(expected);
  });
});

describe("checkDeclaredScopes", () => {
  const genieRequirement: ToolScopeRequirement = {
    tool: "flights",
    scopes: genieScopes,
    resource: "genie_space:01f0",
  };

  it("names the tool and the scope it lacks", () => {
    const check = () =>
      checkDeclaredScopes([genieRequirement, sqlRequirement], ["genie"]);
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(
      'the tool "flights_sql" needs the OAuth scope sql (or sql.statement-execution)',
    );
    expect(check).toThrow("app.userApiScopes declares genie");
    expect(check).not.toThrow('"flights"');
  });

  it.each([
    [["sql", "dashboards.genie"]],
    [["sql.statement-execution", "genie"]],
    [["all-apis"]],
  ])("accepts %j", (declared) => {
    expect(() =>
      checkDeclaredScopes([genieRequirement, sqlRequirement], declared),
    ).not.toThrow();
  });

  it("says when no scopes are declared", () => {
    expect(() => checkDeclaredScopes([sqlRequirement], [])).toThrow(
      "app.userApiScopes declares no scopes",
    );
  });

  it("rejects an unset declaration when tools exist", () => {
    const check = () =>
      checkDeclaredScopes([genieRequirement, sqlRequirement], undefined);
    expect(check).toThrow(ConfigError);
    expect(check).toThrow("app.userApiScopes is not set");
    expect(check).toThrow(
      '"flights" needs genie (or dashboards.genie), "flights_sql" needs sql (or sql.statement-execution)',
    );
    expect(check).toThrow("userApiScopes: [genie, sql]");
    expect(check).toThrow('BEHALF_USER_API_SCOPES="genie sql"');
  });

  it("accepts an unset declaration without tools", () => {
    expect(() => checkDeclaredScopes([], undefined)).not.toThrow();
  });
});

describe("createTools", () => {
  const toolsOverride = {
    llm: { endpoint: "chat" },
    workspace: { host: "http://127.0.0.1:9" },
    tools: {
      genie: [{ name: "flights", spaceId: "01f0", description: "Flights" }],
    },
  };

  it("refuses tools when app.userApiScopes is unset", async () => {
    const config = await loadConfig({
      environment: {},
      overrides: toolsOverride,
    });
    expect(() => createTools(config, "http://127.0.0.1:9")).toThrow(
      /app\.userApiScopes is not set.*"flights" needs genie/,
    );
  });

  it("builds tools once BEHALF_USER_API_SCOPES is set", async () => {
    const config = await loadConfig({
      environment: { BEHALF_USER_API_SCOPES: "dashboards.genie" },
      overrides: toolsOverride,
    });
    expect(Object.keys(createTools(config, "http://127.0.0.1:9"))).toEqual([
      "flights",
    ]);
  });
});

describe("withScopeCheck", () => {
  it("refuses a token without the scope before running the tool", async () => {
    const counted = countingTool();
    const lines: string[] = [];
    const restore = redirectLogs((line) => lines.push(line), "info");
    const token = tokenWithScopes("offline_access genie");
    const failure = await asUser(token, () =>
      call(withScopeCheck(counted.tool, sqlRequirement)),
    ).catch((error: unknown) => error);
    restore();

    expect(failure).toBeInstanceOf(MissingScopeError);
    expect((failure as MissingScopeError).missingScopes).toEqual(["sql"]);
    expect((failure as Error).message).toContain(
      'The tool "flights_sql" needs the OAuth scope sql',
    );
    expect((failure as Error).message).toContain(
      "carries offline_access, genie",
    );
    expect(counted.calls()).toBe(0);

    const audit = lines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.audit === true);
    expect(audit).toMatchObject({
      tool: "flights_sql",
      toolCallId: "call-1",
      resource: "sql_warehouse:4b9e0c6f7a2d1e35",
      outcome: "error",
      errorCode: "MISSING_SCOPE",
    });
    expect(lines.join("\n")).not.toContain(token);
  });

  it.each([["sql"], ["offline_access sql.statement-execution"], ["all-apis"]])(
    "runs the tool for a token with %j",
    async (scope) => {
      const counted = countingTool();
      const output = await asUser(tokenWithScopes(scope), () =>
        call(withScopeCheck(counted.tool, sqlRequirement)),
      );
      expect(output).toEqual({ ok: true });
      expect(counted.calls()).toBe(1);
    },
  );

  it("leaves opaque tokens to the workspace", async () => {
    const counted = countingTool();
    await asUser("dapi0123456789abcdef", () =>
      call(withScopeCheck(counted.tool, sqlRequirement)),
    );
    expect(counted.calls()).toBe(1);
  });

  it("rejects outside a request", async () => {
    const counted = countingTool();
    const wrapped = withScopeCheck(counted.tool, sqlRequirement);
    let pending: unknown;
    expect(() => {
      pending = wrapped.execute?.({}, { toolCallId: "call-1", messages: [] });
    }).not.toThrow();

    await expect(pending).rejects.toBeInstanceOf(NoRequestIdentityError);
    expect(counted.calls()).toBe(0);
  });
});

describe("app.userApiScopes in configuration", () => {
  it("reads BEHALF_USER_API_SCOPES, separated by spaces or commas", async () => {
    const config = await loadConfig({
      environment: {
        BEHALF_LLM_ENDPOINT: "chat",
        BEHALF_USER_API_SCOPES: "sql, dashboards.genie  files.files",
      },
    });
    expect(config.app.userApiScopes).toEqual([
      "sql",
      "dashboards.genie",
      "files.files",
    ]);
  });

  it("stays unset without a value", async () => {
    const config = await loadConfig({
      environment: { BEHALF_LLM_ENDPOINT: "chat", BEHALF_USER_API_SCOPES: "" },
    });
    expect(config.app.userApiScopes).toBeUndefined();
  });
});
