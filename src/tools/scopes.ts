/**
 * OAuth scopes of user tools: which scopes satisfy a tool, the start-up check against the
 * app's declared user API scopes, and the check of each user token before a tool runs.
 */
import type { Tool } from "ai";
import { auditToolCall } from "../audit/audit-log.js";
import { ConfigError, MissingScopeError } from "../errors/errors.js";
import { requireRequestScope } from "../identity/request-context.js";

/** Scope that grants every API. */
export const allApisScope = "all-apis";

/**
 * Names Databricks has used for the same API scope. The Apps templates use the older
 * names (`dashboards.genie`, `serving.serving-endpoints`), the REST reference the newer.
 */
const canonicalNames: Readonly<Record<string, string>> = {
  "dashboards.genie": "genie",
  "serving.serving-endpoints": "model-serving",
};

/** Returns the canonical name of `scope`, so that aliases compare equal. */
export function canonicalScope(scope: string): string {
  return canonicalNames[scope] ?? scope;
}

/**
 * Returns whether a granted scope covers a required one: `all-apis` covers every scope,
 * aliases are equal, and a parent covers its children (`sql` covers `sql.statement-execution`).
 */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === allApisScope) {
    return true;
  }
  const grantedName = canonicalScope(granted);
  const requiredName = canonicalScope(required);
  return (
    grantedName === requiredName || requiredName.startsWith(`${grantedName}.`)
  );
}

/** Scopes one tool needs. Any one of `scopes` is enough, because they name the same API. */
export interface ToolScopeRequirement {
  tool: string;
  /** Scope names that each grant the tool's API; the first is the one to ask for. */
  scopes: readonly string[];
  /** The data resource the tool touches, e.g. `sql_warehouse:4b9e...`, for audit lines. */
  resource: string;
}

/** Returns whether `grantedScopes` satisfy the requirement. */
export function satisfiesRequirement(
  grantedScopes: readonly string[],
  requiredScopes: readonly string[],
): boolean {
  return requiredScopes.some((required) =>
    grantedScopes.some((granted) => scopeCovers(granted, required)),
  );
}

function describeRequired(scopes: readonly string[]): string {
  const [first, ...others] = scopes;
  return others.length === 0
    ? `${first}`
    : `${first} (or ${others.join(" or ")})`;
}

function describeGranted(scopes: readonly string[]): string {
  return scopes.length === 0 ? "no scopes" : scopes.join(", ");
}

/**
 * Throws ConfigError when a tool needs a scope that `declaredScopes` (the app's user API
 * scopes) do not grant, naming every such tool and scope, so the server does not start
 * with a tool no user token could ever call. Undefined `declaredScopes` (the setting is
 * missing) with any tool configured is an error too, which lists the scopes the tools
 * need, because the check cannot be made without it.
 */
export function checkDeclaredScopes(
  requirements: readonly ToolScopeRequirement[],
  declaredScopes: readonly string[] | undefined,
): void {
  if (declaredScopes === undefined) {
    if (requirements.length > 0) {
      throw undeclaredScopesError(requirements);
    }
    return;
  }

  const problems = requirements
    .filter(
      (requirement) =>
        !satisfiesRequirement(declaredScopes, requirement.scopes),
    )
    .map(
      (requirement) =>
        `the tool "${requirement.tool}" needs the OAuth scope ${describeRequired(requirement.scopes)}`,
    );
  if (problems.length === 0) {
    return;
  }
  throw new ConfigError(
    `app.userApiScopes declares ${describeGranted(declaredScopes)}, but ${problems.join(", and ")}. ` +
      "Add the missing scopes to app.userApiScopes (BEHALF_USER_API_SCOPES) and to the app's user API " +
      "scopes in Databricks, or remove the tools.",
    { details: { declaredScopes, problems } },
  );
}

function undeclaredScopesError(
  requirements: readonly ToolScopeRequirement[],
): ConfigError {
  const needs = requirements.map(
    (requirement) =>
      `"${requirement.tool}" needs ${describeRequired(requirement.scopes)}`,
  );
  const suggested = [
    ...new Set(requirements.map((requirement) => requirement.scopes[0])),
  ].filter((scope): scope is string => scope !== undefined);
  return new ConfigError(
    `app.userApiScopes is not set, so the server cannot check that user tokens may call its tools. ` +
      `The tools need these OAuth scopes: ${needs.join(", ")}. ` +
      `Set app.userApiScopes in the config file (for example userApiScopes: [${suggested.join(", ")}]) ` +
      `or BEHALF_USER_API_SCOPES="${suggested.join(" ")}" to the app's user API scopes in Databricks Apps, ` +
      "and make sure those include the scopes above.",
    {
      details: {
        requiredScopes: Object.fromEntries(
          requirements.map((requirement) => [
            requirement.tool,
            [...requirement.scopes],
          ]),
        ),
      },
    },
  );
}

/**
 * Wraps a user tool so that each call first checks the scopes of the user's token. A
 * token whose claims list scopes must grant the requirement, or the call fails with
 * MissingScopeError (which the model receives as the tool's error) before any request and
 * writes an audit line. Opaque tokens, whose scopes behalf cannot read, go on to the
 * workspace, which checks them itself.
 */
export function withScopeCheck<T extends Tool>(
  tool: T,
  requirement: ToolScopeRequirement,
): T {
  const execute = tool.execute;
  if (execute === undefined) {
    return tool;
  }
  // A failed check returns a rejected promise, as an async execute would, and a passed
  // one returns whatever the tool returns, so streaming tools keep their AsyncIterable.
  const checked: NonNullable<Tool["execute"]> = (input, options) => {
    try {
      checkTokenScopes(requirement, options.toolCallId);
    } catch (error) {
      return Promise.reject(error);
    }
    return execute(input, options);
  };
  return { ...tool, execute: checked };
}

/** Throws MissingScopeError, after an audit line, when the token's claims lack the scope. */
function checkTokenScopes(
  requirement: ToolScopeRequirement,
  toolCallId: string,
): void {
  const scope = requireRequestScope(`The tool "${requirement.tool}"`);
  const tokenScopes = scope.credential.claims.scopes;
  if (
    tokenScopes === undefined ||
    satisfiesRequirement(tokenScopes, requirement.scopes)
  ) {
    return;
  }

  const error = new MissingScopeError(
    [requirement.scopes[0] ?? requirement.tool],
    `The tool "${requirement.tool}" needs the OAuth scope ${describeRequired(requirement.scopes)}, ` +
      `but the user's token carries ${describeGranted(tokenScopes)}. ` +
      "Add the scope to the app's user API scopes, then sign in again to get a token that carries it.",
  );
  auditToolCall({
    tool: requirement.tool,
    toolCallId,
    resource: requirement.resource,
    outcome: "error",
    errorCode: error.code,
    durationMilliseconds: 0,
    facts: { missingScopes: error.missingScopes },
  });
  throw error;
}
