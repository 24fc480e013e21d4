/**
 * Removal of credentials from text and values before they reach logs, error bodies,
 * traces or the model. The patterns cover the token shapes Databricks and OAuth use:
 * JWTs (three base64url segments starting with `eyJ`), personal access tokens
 * (`dapi` + hex), and anything after `Bearer ` or `Basic `.
 */

// A JWT's header alone (base64url of `{"`) is enough to match, so a token cut short
// anywhere after its header is still removed.
const jwtPattern = /eyJ[\w-]{8,}(?:\.[\w-]*){0,2}/g;
const personalAccessTokenPattern = /\bdapi[0-9a-f]{16,}(?:-\d+)?\b/gi;
// Credentials are long; requiring 12 characters keeps prose such as "bearer token" intact.
const authorizationPattern = /\b(Bearer|Basic)\s+[\w\-.~+/=]{12,}/gi;

/** Field names whose values are credentials, compared in lower case. */
const secretFieldNames = new Set([
  "authorization",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "password",
  "x-forwarded-access-token",
  "subject_token",
  "actor_token",
]);

export const redactedMarker = "[REDACTED]";

/** Replaces every token-shaped substring of `text` with a marker. */
export function redactText(text: string): string {
  return text
    .replace(authorizationPattern, `$1 ${redactedMarker}`)
    .replace(jwtPattern, redactedMarker)
    .replace(personalAccessTokenPattern, redactedMarker);
}

/** Returns true when `name` is a field that holds a credential. */
export function isSecretFieldName(name: string): boolean {
  return secretFieldNames.has(name.toLowerCase());
}

/**
 * Returns a deep copy of `value` with secret fields replaced and token-shaped strings
 * redacted. Cycles are cut rather than followed.
 */
export function redactValue(
  value: unknown,
  seen = new WeakSet<object>(),
): unknown {
  if (typeof value === "string") {
    return redactText(value);
  }
  if (value === null || typeof value !== "object") {
    return value;
  }
  if (seen.has(value)) {
    return "[Circular]";
  }
  seen.add(value);

  if (Array.isArray(value)) {
    return value.map((item) => redactValue(item, seen));
  }

  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSecretFieldName(key)
      ? redactedMarker
      : redactValue(item, seen);
  }
  return copy;
}
