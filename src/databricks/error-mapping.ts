import {
  AuthenticationError,
  type BehalfError,
  MissingScopeError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UpstreamError,
  UpstreamUnavailableError,
} from "../errors/errors.js";

/** The fields Databricks puts in an error body, in any of the shapes it uses. */
export interface DatabricksErrorFields {
  errorCode: string | undefined;
  message: string;
}

/**
 * Reads an error body. Databricks sends `{"error_code", "message"}`; some services send
 * `{"error": "..."}` (OAuth adds `error_description`), SCIM sends `{"detail", "status"}`,
 * and proxies may answer with plain text or HTML.
 */
export function readErrorBody(text: string): DatabricksErrorFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    const body = parsed as Record<string, unknown>;
    const errorCode =
      stringField(body, "error_code") ??
      stringField(body, "errorCode") ??
      stringField(body, "error");
    const message =
      stringField(body, "message") ??
      stringField(body, "error_description") ??
      stringField(body, "detail") ??
      stringField(body, "errorSummary") ??
      errorCode ??
      "";
    return { errorCode, message };
  }

  const trimmed = text.trim();
  if (trimmed.startsWith("<")) {
    return {
      errorCode: undefined,
      message: "The server returned an HTML error page.",
    };
  }
  // The Databricks SDKs also accept "ERROR_CODE: message" text bodies.
  const coded = /^([A-Z][A-Z_]{2,}): (.+)$/s.exec(trimmed);
  if (coded !== null) {
    return {
      errorCode: coded[1],
      message: (coded[2] ?? "").slice(0, 500),
    };
  }
  return { errorCode: undefined, message: trimmed.slice(0, 500) };
}

function stringField(
  body: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = body[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Reads `Retry-After` as seconds (a number of seconds or an HTTP date). */
export function readRetryAfterSeconds(
  headerValue: string | null,
  now = Date.now(),
): number | undefined {
  if (headerValue === null || headerValue.trim() === "") {
    return undefined;
  }
  const seconds = Number(headerValue);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds);
  }
  const date = Date.parse(headerValue);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

const missingScopePattern = /does not have required scopes?:?\s*([\w.:,\s-]+)/i;

/** Returns the scope names a "missing scopes" message lists, or undefined when it is another 403. */
export function readMissingScopes(message: string): string[] | undefined {
  const match = missingScopePattern.exec(message);
  if (match === null) {
    return /\binvalid scope\b/i.test(message) ? [] : undefined;
  }
  return (match[1] ?? "")
    .split(/[\s,]+/)
    .map((scope) => scope.replace(/\.$/, ""))
    .filter((scope) => scope.length > 0);
}

export interface ErrorContext {
  /** Service name for messages, e.g. "Genie" or "SCIM". */
  service: string;
  /** Operation in progress, e.g. "get message 01ef...". */
  operation: string;
}

/**
 * Turns a non-2xx workspace response into a typed error. The message keeps the
 * workspace's own text (redacted by BehalfError) and says what to do next.
 */
export function toTypedError(
  status: number,
  fields: DatabricksErrorFields,
  retryAfterHeader: string | null,
  context: ErrorContext,
): BehalfError {
  const where = `${context.service} (${context.operation})`;
  // The workspace's sentence is quoted inside ours, so its final period would double ours.
  const trimmed = fields.message.trim().replace(/\.+$/, "");
  const upstream = trimmed.length > 0 ? `: ${trimmed}` : "";
  const details = {
    upstreamStatus: status,
    upstreamErrorCode: fields.errorCode,
  };

  if (status === 401) {
    return new AuthenticationError(
      `${where} rejected the credential (401)${upstream}. Sign in again to get a new token.`,
      { details },
    );
  }
  if (status === 403) {
    const scopes = readMissingScopes(fields.message);
    if (scopes !== undefined) {
      return new MissingScopeError(
        scopes,
        `${where} needs an OAuth scope the token does not carry${upstream}. ` +
          "Add the scope to the app's user API scopes and sign in again.",
        { details },
      );
    }
    return new PermissionDeniedError(
      `${where} denied access (403)${upstream}.`,
      { details },
    );
  }
  if (status === 404) {
    return new NotFoundError(
      `${where} found no such resource, or this identity may not see it (404)${upstream}.`,
      { details },
    );
  }
  if (status === 429) {
    const retryAfterSeconds = readRetryAfterSeconds(retryAfterHeader);
    return new RateLimitError(
      `${where} is rate limited (429)${upstream}. Try again ${
        retryAfterSeconds === undefined
          ? "shortly"
          : `in ${Math.ceil(retryAfterSeconds)} s`
      }.`,
      retryAfterSeconds,
      { details },
    );
  }
  if (status >= 500) {
    return new UpstreamUnavailableError(
      `${where} failed with HTTP ${status}${upstream}. Try again later.`,
      {
        details,
      },
    );
  }
  return new UpstreamError(
    `${where} rejected the request with HTTP ${status}${upstream}.`,
    { details },
  );
}
