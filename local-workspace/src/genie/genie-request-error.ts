/** A request Genie rejects, with the HTTP status and Databricks error code to send. */
export class GenieRequestError extends Error {
  readonly status: 400 | 403 | 404 | 429;
  readonly errorCode: string;
  /** Sent as `Retry-After` with a 429. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: 400 | 403 | 404 | 429,
    errorCode: string,
    message: string,
    retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "GenieRequestError";
    this.status = status;
    this.errorCode = errorCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
