import type { MiddlewareHandler } from "hono";

/** Requests kept before the oldest is dropped. */
export const defaultMaximumRecords = 1000;

/** Characters of a request body kept per record; longer bodies are cut. */
export const maximumRecordedBodyCharacters = 64 * 1024;

/** One request as the server received it, credentials included. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Query string without the leading `?`; empty when there is none. */
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  receivedAt: Date;
}

/**
 * A bounded in-memory log of every request the local workspace receives, so tests can
 * check which credentials reached which API. It contains tokens in clear text, so it
 * stays in memory and is never logged.
 */
export class RequestRecorder {
  readonly maximumRecords: number;
  #records: RecordedRequest[] = [];

  constructor(maximumRecords = defaultMaximumRecords) {
    this.maximumRecords = maximumRecords;
  }

  /** Recorded requests, oldest first. */
  get records(): readonly RecordedRequest[] {
    return this.#records;
  }

  add(record: RecordedRequest): void {
    this.#records.push(record);
    if (this.#records.length > this.maximumRecords) {
      this.#records.splice(0, this.#records.length - this.maximumRecords);
    }
  }

  clear(): void {
    this.#records = [];
  }

  /** Middleware that records each request before any route handles it. */
  middleware(): MiddlewareHandler {
    return async (context, next) => {
      const request = context.req.raw;
      const url = new URL(request.url);
      // Reading a clone leaves the original body for the route handlers.
      const body = request.body === null ? "" : await request.clone().text();

      this.add({
        method: request.method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        headers: Object.fromEntries(request.headers),
        body: body.slice(0, maximumRecordedBodyCharacters),
        receivedAt: new Date(),
      });
      await next();
    };
  }
}
