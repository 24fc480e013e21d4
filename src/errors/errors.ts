import { redactText, redactValue } from "./redact.js";

/**
 * Stable machine-readable error codes. The names follow Databricks' `error_code`
 * vocabulary where one exists, so clients can treat behalf and Databricks alike.
 */
export type ErrorCode =
  | "INVALID_CONFIG"
  | "INVALID_REQUEST"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "MISSING_SCOPE"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_ERROR"
  | "DEADLINE_EXCEEDED"
  | "CANCELLED"
  | "NO_REQUEST_IDENTITY"
  | "GENIE_MESSAGE_FAILED"
  | "TOOL_CALL_REFUSED"
  | "INTERNAL_ERROR";

export interface BehalfErrorOptions {
  /** HTTP status to send when this error ends a request. */
  status?: number;
  /** Whether repeating the same call later may succeed. */
  retryable?: boolean;
  /** Extra facts for logs and clients; redacted before they leave the process. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

const behalfErrorMarker = Symbol.for("behalf.error");

/**
 * Base of every error behalf raises on purpose. The message says what failed, on which
 * value, and what to do; it is redacted at construction so no token survives in it.
 */
export class BehalfError extends Error {
  readonly [behalfErrorMarker] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: BehalfErrorOptions = {},
  ) {
    super(
      redactText(message),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
    this.details =
      (redactValue(options.details ?? {}) as Record<string, unknown>) ?? {};
  }

  static isInstance(value: unknown): value is BehalfError {
    return (
      typeof value === "object" && value !== null && behalfErrorMarker in value
    );
  }

  /** The Databricks-style body sent to HTTP clients: `error_code`, `message`, details. */
  toJSON(): {
    error_code: ErrorCode;
    message: string;
    details?: Record<string, unknown>;
  } {
    const body: {
      error_code: ErrorCode;
      message: string;
      details?: Record<string, unknown>;
    } = {
      error_code: this.code,
      message: this.message,
    };
    if (Object.keys(this.details).length > 0) {
      body.details = this.details;
    }
    return body;
  }
}

/** A configuration value is missing or invalid; raised at start, before serving. */
export class ConfigError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("INVALID_CONFIG", message, { status: 500, ...options });
  }
}

/** The client sent a request behalf cannot accept. */
export class InvalidRequestError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("INVALID_REQUEST", message, { status: 400, ...options });
  }
}

/** The user's credential is missing, unknown or expired: the user must sign in again. */
export class AuthenticationError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("UNAUTHENTICATED", message, { status: 401, ...options });
  }
}

/** The identity is known but may not do this. */
export class PermissionDeniedError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("PERMISSION_DENIED", message, { status: 403, ...options });
  }
}

/** The token lacks an OAuth scope the operation needs. */
export class MissingScopeError extends BehalfError {
  readonly missingScopes: string[];

  constructor(
    missingScopes: string[],
    message?: string,
    options: BehalfErrorOptions = {},
  ) {
    super(
      "MISSING_SCOPE",
      message ??
        `The token does not carry the required scope ${missingScopes.join(", ")}. ` +
          "Add the scope to the app's user API scopes (or the token request) and sign in again.",
      {
        status: 403,
        ...options,
        details: { ...options.details, missingScopes },
      },
    );
    this.missingScopes = missingScopes;
  }
}

/** The resource does not exist, or does not exist for this identity. */
export class NotFoundError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("NOT_FOUND", message, { status: 404, ...options });
  }
}

/** The upstream service asked us to slow down. */
export class RateLimitError extends BehalfError {
  /** Seconds the upstream asked to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    retryAfterSeconds?: number,
    options: BehalfErrorOptions = {},
  ) {
    super("RATE_LIMITED", message, {
      status: 429,
      retryable: true,
      ...options,
      details: { ...options.details, retryAfterSeconds },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The upstream service failed or could not be reached; trying later may work. */
export class UpstreamUnavailableError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("UPSTREAM_UNAVAILABLE", message, {
      status: 502,
      retryable: true,
      ...options,
    });
  }
}

/** The upstream service rejected the call for a reason not covered by another class. */
export class UpstreamError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("UPSTREAM_ERROR", message, { status: 502, ...options });
  }
}

/** A named time limit ran out. */
export class DeadlineExceededError extends BehalfError {
  constructor(message: string, options: BehalfErrorOptions = {}) {
    super("DEADLINE_EXCEEDED", message, {
      status: 504,
      retryable: true,
      ...options,
    });
  }
}

/** The caller went away or aborted the work. */
export class CancelledError extends BehalfError {
  constructor(
    message = "The request was cancelled by the client.",
    options: BehalfErrorOptions = {},
  ) {
    super("CANCELLED", message, { status: 499, ...options });
  }
}

/**
 * Code asked for the user's credential outside a request. User credentials exist only
 * while a request runs, so clients that act as the user must be built inside one.
 */
export class NoRequestIdentityError extends BehalfError {
  constructor(operation: string) {
    super(
      "NO_REQUEST_IDENTITY",
      `${operation} needs the identity of the user who made the request, but it ran outside a request. ` +
        "Build user clients inside the request handler or tool call, never at start-up.",
      { status: 500 },
    );
  }
}

/** Wraps an unexpected error for clients without exposing its text. */
export function toBehalfError(error: unknown): BehalfError {
  if (BehalfError.isInstance(error)) {
    return error;
  }
  return new BehalfError(
    "INTERNAL_ERROR",
    "Internal error. See the server log for details.",
    {
      status: 500,
      cause: error,
    },
  );
}

/** Genie finished a message without an answer: FAILED, CANCELLED or an expired result. */
export class GenieMessageFailedError extends BehalfError {
  readonly genieStatus: string;
  readonly genieErrorType: string | undefined;

  constructor(
    genieStatus: string,
    message: string,
    genieErrorType?: string,
    options: BehalfErrorOptions = {},
  ) {
    super("GENIE_MESSAGE_FAILED", message, {
      status: 502,
      ...options,
      details: { ...options.details, genieStatus, genieErrorType },
    });
    this.genieStatus = genieStatus;
    this.genieErrorType = genieErrorType;
  }
}
