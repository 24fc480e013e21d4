import {
  BehalfError,
  CancelledError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import {
  readErrorBody,
  readRetryAfterSeconds,
  toTypedError,
} from "./error-mapping.js";

const logger = moduleLogger("workspace-client");

export interface WorkspaceClientOptions {
  /** Workspace origin, already normalised. Requests never leave this origin. */
  host: string;
  /** Returns the `Authorization` header value for the identity this client acts as. */
  authorization: () => string | Promise<string>;
  fetch?: typeof fetch;
  /** Attempts per request for retryable failures, the first one included. */
  maxAttempts?: number;
  /** First backoff delay; each retry doubles it, with jitter, up to `maxRetryDelayMilliseconds`. */
  baseRetryDelayMilliseconds?: number;
  maxRetryDelayMilliseconds?: number;
}

export interface RequestOptions {
  /** Service name for errors and logs, e.g. "Genie". */
  service: string;
  /** What the call does, for errors and logs. */
  operation: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

/**
 * A thin REST client for one workspace and one identity. It attaches the credential,
 * turns Databricks error bodies into typed errors and retries only where that is safe:
 * reads on 429, 5xx and network failures; writes only when the server certainly did
 * not accept them (429 or a refused connection), because Genie's POSTs are not idempotent.
 */
export class WorkspaceClient {
  readonly host: string;
  readonly #authorization: () => string | Promise<string>;
  readonly #fetch: typeof fetch;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;

  constructor(options: WorkspaceClientOptions) {
    this.host = options.host;
    this.#authorization = options.authorization;
    this.#fetch = options.fetch ?? fetch;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelay = options.baseRetryDelayMilliseconds ?? 250;
    this.#maxDelay = options.maxRetryDelayMilliseconds ?? 8000;
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

    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal);
      const outcome = await this.#attempt(method, url, body, options);
      if (outcome.kind === "success") {
        return outcome.value as T;
      }

      const error = outcome.error;
      const retryable =
        method === "GET" ? outcome.retryableRead : outcome.certainlyNotAccepted;
      if (!retryable || attempt >= this.#maxAttempts) {
        throw error;
      }

      const delay = this.#retryDelay(attempt, outcome.retryAfterSeconds);
      logger.warn(
        {
          service: options.service,
          operation: options.operation,
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
    const headers: Record<string, string> = {
      Authorization: await this.#authorization(),
      Accept: "application/json",
    };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }

    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: options.signal,
        redirect: "manual",
      });
    } catch (error) {
      throwIfAborted(options.signal);
      const refused = connectionRefused(error);
      return {
        kind: "failure",
        error: new UpstreamUnavailableError(
          `${options.service} (${options.operation}) could not be reached at ${this.host}: ${describeNetworkError(error)}.`,
          { cause: error },
        ),
        retryableRead: true,
        certainlyNotAccepted: refused,
        retryAfterSeconds: undefined,
      };
    }

    const text = await response.text();
    if (response.ok) {
      return {
        kind: "success",
        value: text.length === 0 ? {} : JSON.parse(text),
      };
    }

    const retryAfterHeader = response.headers.get("retry-after");
    const error = toTypedError(
      response.status,
      readErrorBody(text),
      retryAfterHeader,
      options,
    );
    return {
      kind: "failure",
      error,
      retryableRead: response.status === 429 || response.status >= 500,
      certainlyNotAccepted: response.status === 429,
      retryAfterSeconds: readRetryAfterSeconds(retryAfterHeader),
    };
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
    return Math.max(jittered, Math.min(requested, 60_000));
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

function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNREFUSED";
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    .cause;
  return (
    cause?.code ?? cause?.message ?? (error as Error).message ?? "network error"
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CancelledError();
  }
}

/** Waits `milliseconds`, or rejects with CancelledError as soon as `signal` aborts. */
export function sleep(
  milliseconds: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
