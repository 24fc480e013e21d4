/**
 * OAuth scope matching. Databricks has used two names for several API scopes (the older
 * Apps and Model Serving names and the newer REST reference names), and tokens may carry
 * either, so each name maps to one canonical scope before comparing.
 */

/** Scope that grants every API. */
export const allApisScope = "all-apis";

/** Scope that requests a refresh token at sign-in. It grants no API. */
export const offlineAccessScope = "offline_access";

/** Characters a scope name may contain. */
export const scopeNamePattern = /^[A-Za-z0-9._*:-]+$/;

const canonicalScopes: Readonly<Record<string, string>> = {
  "dashboards.genie": "genie",
  "serving.serving-endpoints": "model-serving",
  "sql.statement-execution": "sql",
  "sql.*": "sql",
};

/** Returns the canonical name of `scope`, so aliases compare equal. */
export function canonicalScope(scope: string): string {
  return canonicalScopes[scope] ?? scope;
}

/** Splits a space-separated OAuth `scope` value into scope names. */
export function parseScopeList(scope: string): string[] {
  return scope.split(/\s+/).filter((name) => name.length > 0);
}

/**
 * Returns true when `tokenScopes` satisfy at least one of `requiredScopes`. A token with
 * `all-apis` satisfies every scope.
 */
export function hasAnyRequiredScope(
  tokenScopes: readonly string[],
  requiredScopes: readonly string[],
): boolean {
  if (tokenScopes.includes(allApisScope)) {
    return true;
  }

  const granted = new Set(tokenScopes.map(canonicalScope));
  return requiredScopes.some((scope) => granted.has(canonicalScope(scope)));
}
