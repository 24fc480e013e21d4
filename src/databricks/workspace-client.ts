import {
  BehalfError,
  DeadlineExceededError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import {
  readErrorBody,
  readRetryAfterSeconds,
  toTypedError,
} from "./error-mapping.js";
import {
  connectionRefused,
  describeNetworkError,
  parseSuccessBody,
  rejectExpiringToken,
  sleep,
  throwIfAborted,
} from "./request-support.js";

export { sleep } from "./request-support.js";

const logger = moduleLogger("workspace-client");

/** Maximum wait before a retry that a `Retry-After` header may request. */
const maxRetryAfterMilliseconds = 60_000;
/** Minimum time limit of an attempt that starts close to the deadline. */
const minimumRequestTimeoutMilliseconds = 2000;

export interface WorkspaceClientOptions {
  /** Workspace origin, already normalised. Requests never leave this origin. */
  host: string;
  /** Returns the `Authorization` header value for the identity this client acts as. */
  authorization: () => string | Promise<string>;
  fetch?: typeof fetch;
  /** Attempts per GET for retryable failures, the first one included. */
  maxAttempts?: number;
  /** First backoff delay; each retry doubles it, with jitter, up to `maxRetryDelayMilliseconds`. */
  baseRetryDelayMilliseconds?: number;
  maxRetryDelayMilliseconds?: number;
  /**
   * Time limit for one attempt, response body included. The default, 70 s, outlasts
   * the longest `wait_timeout` (50 s) the Statement Execution API accepts.
   */
  requestTimeoutMilliseconds?: number;
  /**
   * A JWT bearer token that expires within this many milliseconds is not sent
   * (default 60 s). Databricks rejects tokens about 30 s before they expire.
   */
  minimumTokenLifetimeMilliseconds?: number;
}

export interface RequestOptions {
  /** Service name for errors and logs, e.g. "Genie". */
  service: string;
  /** Description of the call, for errors and logs. */
  operation: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  /** Milliseconds since the epoch after which no attempt starts and no retry waits. */
  deadline?: number;
}

/** A POST is sent at most this many times, and a second time only when the first was certainly not accepted. */
const maxWriteAttempts = 2;

/**
 * A thin REST client for one workspace and one identity. It attaches the credential,
 * turns Databricks error bodies into typed errors and retries only where that is safe.
 * Reads are retried on 429, 5xx, timeouts and network failures. Writes are sent once
 * more only when the server certainly did not accept them (429 or a refused
 * connection), because Genie's POSTs are not idempotent and a timeout or 5xx after
 * sending may hide an accepted one.
 */
export class WorkspaceClient {
  readonly host: string;
  readonly #authorization: () => string | Promise<string>;
  readonly #fetch: typeof fetch;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #requestTimeout: number;
  readonly #minimumTokenLifetime: number;

  constructor(options: WorkspaceClientOptions) {
    this.host = options.host;
    this.#authorization = options.authorization;
    this.#fetch = options.fetch ?? fetch;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelay = options.baseRetryDelayMilliseconds ?? 250;
    this.#maxDelay = options.maxRetryDelayMilliseconds ?? 8000;
    this.#requestTimeout = options.requestTimeoutMilliseconds ?? 70_000;
    this.#minimumTokenLifetime =
      options.minimumTokenLifetimeMilliseconds ?? 60_000;
  }

  get<T>(path: string, options: RequestOptions): Promise<T> {
    return this.#send<T>("GET", path, undefined, options);
  }

  post<T>(path: string, body: unknown, options: RequestOptions): Promise<T> {
    return this.#send<T>("POST", path, body, options);
  }

  async #send<T>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    options: RequestOptions,
  ): Promise<T> {
    const url = this.#buildUrl(path, options.query);
    const maxAttempts =
      method === "GET"
        ? this.#maxAttempts
        : Math.min(this.#maxAttempts, maxWriteAttempts);

    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal);
      throwIfPastDeadline(options);
      const outcome = await this.#attempt(method, url, body, options);
      if (outcome.kind === "success") {
        return outcome.value as T;
      }

      const error = outcome.error;
      const retryable =
        method === "GET" ? outcome.retryableRead : outcome.certainlyNotAccepted;
      if (!retryable || attempt >= maxAttempts) {
        throw error;
      }

      const delay = this.#retryDelay(attempt, outcome.retryAfterSeconds);
      if (
        options.deadline !== undefined &&
        Date.now() + delay > options.deadline
      ) {
        logger.warn(
          {
            service: options.service,
            operation: options.operation,
            attempt,
            delayMilliseconds: delay,
            code: error.code,
          },
          "not retrying workspace request: the wait would pass the deadline",
        );
        throw error;
      }
      logger.warn(
        {
          service: options.service,
          operation: options.operation,
          method,
          attempt,
          delayMilliseconds: delay,
          code: error.code,
        },
        "retrying workspace request",
      );
      await sleep(delay, options.signal);
    }
  }

  async #attempt(
    method: "GET" | "POST",
    url: URL,
    body: unknown,
    options: RequestOptions,
  ): Promise<AttemptOutcome> {
    const authorization = await this.#authorization();
    rejectExpiringToken(
      authorization,
      this.#minimumTokenLifetime,
      `${options.service} (${options.operation})`,
    );
    const headers: Record<string, string> = {
      Authorization: authorization,
      Accept: "application/json",
    };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }

    const timeout = this.#attemptTimeout(options.deadline);
    const timeoutSignal = AbortSignal.timeout(timeout);
    const signal =
      options.signal === undefined
        ? timeoutSignal
        : AbortSignal.any([options.signal, timeoutSignal]);
    const where = `${options.service} (${options.operation})`;

    let status: number;
    let text: string;
    let retryAfterHeader: string | null;
    try {
      const response = await this.#fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        redirect: "manual",
      });
      status = response.status;
      retryAfterHeader = response.headers.get("retry-after");
      text = await response.text();
    } catch (error) {
      throwIfAborted(options.signal);
      if (timeoutSignal.aborted) {
        return {
          kind: "failure",
          error: new UpstreamUnavailableError(
            `${where} timed out after ${Math.round(timeout / 1000)} s at ${this.host}.` +
              (method === "POST"
                ? " It was not sent again, because the workspace may have accepted it."
                : ""),
            { cause: error },
          ),
          retryableRead: true,
          certainlyNotAccepted: false,
          retryAfterSeconds: undefined,
        };
      }
      return {
        kind: "failure",
        error: new UpstreamUnavailableError(
          `${where} could not be reached at ${this.host}: ${describeNetworkError(error)}.`,
          { cause: error },
        ),
        retryableRead: true,
        certainlyNotAccepted: connectionRefused(error),
        retryAfterSeconds: undefined,
      };
    }

    if (status >= 200 && status < 300) {
      return { kind: "success", value: parseSuccessBody(text, where) };
    }

    const error = toTypedError(
      status,
      readErrorBody(text),
      retryAfterHeader,
      options,
    );
    return {
      kind: "failure",
      error,
      retryableRead: status === 429 || status >= 500,
      certainlyNotAccepted: status === 429,
      retryAfterSeconds: readRetryAfterSeconds(retryAfterHeader),
    };
  }

  #attemptTimeout(deadline: number | undefined): number {
    if (deadline === undefined) {
      return this.#requestTimeout;
    }
    return Math.min(
      this.#requestTimeout,
      Math.max(deadline - Date.now(), minimumRequestTimeoutMilliseconds),
    );
  }

  #buildUrl(path: string, query: RequestOptions["query"]): URL {
    if (!path.startsWith("/") || path.startsWith("//")) {
      throw new BehalfError(
        "INTERNAL_ERROR",
        `Workspace paths must start with one "/", got ${JSON.stringify(path)}.`,
      );
    }
    const url = new URL(path, this.host);
    // The credential goes to the configured workspace only, whatever the path holds.
    if (url.origin !== this.host) {
      throw new BehalfError(
        "INTERNAL_ERROR",
        `Refusing to send a workspace credential to ${url.origin}.`,
      );
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(name, String(value));
      }
    }
    return url;
  }

  #retryDelay(attempt: number, retryAfterSeconds: number | undefined): number {
    const exponential = Math.min(
      this.#maxDelay,
      this.#baseDelay * 2 ** (attempt - 1),
    );
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    const requested =
      retryAfterSeconds === undefined ? 0 : retryAfterSeconds * 1000;
    return Math.max(jittered, Math.min(requested, maxRetryAfterMilliseconds));
  }
}

type AttemptOutcome =
  | { kind: "success"; value: unknown }
  | {
      kind: "failure";
      error: BehalfError;
      retryableRead: boolean;
      certainlyNotAccepted: boolean;
      retryAfterSeconds: number | undefined;
    };

function throwIfPastDeadline(options: RequestOptions): void {
  if (options.deadline !== undefined && Date.now() > options.deadline) {
    throw new DeadlineExceededError(
      `${options.service} (${options.operation}) was not sent: the deadline had passed.`,
    );
  }
}
