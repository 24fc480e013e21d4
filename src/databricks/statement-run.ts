import {
  BehalfError,
  CancelledError,
  DeadlineExceededError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import { type TypedResult, typeStatementResult } from "./statement-result.js";
import {
  type StatementExecutionClient,
  type StatementRequest,
  type StatementStatusResponse,
  statementFailure,
} from "./statements.js";
import { sleep } from "./workspace-client.js";

const logger = moduleLogger("statements");

export interface RunStatementOptions {
  /** Time limit for the whole run: submission, polling and chunk reads. */
  deadlineMilliseconds: number;
  signal?: AbortSignal;
  /** Called once per state change, in order. */
  onState?: (state: string, statementId: string) => void;
  /** How long the submission waits for a result before polling starts: 0, or 5 to 50 s. Default 10. */
  waitTimeoutSeconds?: number;
  /** Delay before the next poll; the default grows from 250 ms to 2 s. */
  pollDelay?: (elapsedMilliseconds: number) => number;
}

export interface StatementRun {
  statementId: string;
  result: TypedResult;
  /** Set when rows were left out: the request's row limit cut the result. */
  truncationReason?: "row-limit";
}

const inProgressStates = new Set(["PENDING", "RUNNING"]);

/** Maximum wait for the best-effort cancel of an abandoned statement. */
const cancelTimeoutMilliseconds = 5000;

function defaultPollDelay(elapsedMilliseconds: number): number {
  return Math.min(2000, Math.max(250, elapsedMilliseconds * 0.2));
}

/** Returns the `wait_timeout` seconds to send: 0, or 5 to 50, and never past the deadline. */
function waitTimeout(requestedSeconds: number, deadlineMilliseconds: number) {
  const seconds = Math.min(
    requestedSeconds,
    50,
    Math.floor(deadlineMilliseconds / 1000),
  );
  return seconds >= 5 ? seconds : 0;
}

/**
 * Runs one statement and reads its rows up to `rowLimit`: submits it (waiting inline up
 * to `waitTimeoutSeconds`), polls while it is PENDING or RUNNING, then reads further
 * chunks. When the signal aborts or the deadline passes, it cancels the statement (best
 * effort) and throws CancelledError or DeadlineExceededError. FAILED, CANCELED and
 * CLOSED throw StatementFailedError with the workspace's SQL error text.
 */
export async function runStatement(
  client: StatementExecutionClient,
  request: StatementRequest,
  options: RunStatementOptions,
): Promise<StatementRun> {
  const started = Date.now();
  const deadline = AbortSignal.timeout(options.deadlineMilliseconds);
  const stop = options.signal
    ? AbortSignal.any([options.signal, deadline])
    : deadline;
  const waitSeconds = waitTimeout(
    options.waitTimeoutSeconds ?? 10,
    options.deadlineMilliseconds,
  );
  const stopped = (statementId: string | undefined, state: string) =>
    stopError(options, statementId, state);

  const submission = client.executeStatement(
    requestBody(request, waitSeconds),
    submissionSignal(stop, waitSeconds),
  );
  let response: StatementStatusResponse;
  try {
    response = await untilStopped(submission, stop);
  } catch (error) {
    if (!stop.aborted) {
      throw error;
    }
    // The workspace responds within wait_timeout, so the id arrives soon and is cancelled then.
    submission
      .then((late) => cancelQuietly(client, late.statement_id))
      .catch(() => undefined);
    throw stopped(undefined, "SUBMITTED");
  }

  const statementId = response.statement_id;
  let state = response.status?.state ?? "PENDING";
  options.onState?.(state, statementId);
  logger.info(
    { statementId, warehouseId: request.warehouseId, state },
    "statement submitted",
  );

  while (inProgressStates.has(state) || !isKnownState(state)) {
    try {
      const delay = (options.pollDelay ?? defaultPollDelay)(
        Date.now() - started,
      );
      await sleep(delay, stop);
      response = await client.getStatement(statementId, stop);
    } catch (error) {
      if (!stop.aborted) {
        throw error;
      }
      await cancelQuietly(client, statementId);
      throw stopped(statementId, state);
    }
    const next = response.status?.state ?? state;
    if (next !== state) {
      state = next;
      options.onState?.(state, statementId);
    }
  }

  if (state !== "SUCCEEDED") {
    throw statementFailure(statementId, response);
  }
  try {
    const run = await readRows(client, statementId, response, request, stop);
    logger.info(
      {
        statementId,
        rowCount: run.result.rowCount,
        truncated: run.result.truncated,
        durationMilliseconds: Date.now() - started,
      },
      "statement succeeded",
    );
    return run;
  } catch (error) {
    throw stop.aborted ? stopped(statementId, state) : error;
  }
}

function requestBody(
  request: StatementRequest,
  waitSeconds: number,
): Record<string, unknown> {
  return {
    statement: request.statement,
    warehouse_id: request.warehouseId,
    ...(request.catalog === undefined ? {} : { catalog: request.catalog }),
    ...(request.schema === undefined ? {} : { schema: request.schema }),
    ...(request.parameters === undefined || request.parameters.length === 0
      ? {}
      : { parameters: request.parameters }),
    wait_timeout: `${waitSeconds}s`,
    on_wait_timeout: "CONTINUE",
    row_limit: request.rowLimit,
    disposition: "INLINE",
    format: "JSON_ARRAY",
  };
}

/**
 * Returns the signal of the submission, which keeps running for the wait timeout plus
 * 5 s after a stop, so that its response can name the statement to cancel. After that
 * the submission is abandoned.
 *
 * NOTE: a submission abandoned after the grace period leaves its statement running in
 * the warehouse until it ends, because behalf never learned its id.
 */
function submissionSignal(stop: AbortSignal, waitSeconds: number) {
  const controller = new AbortController();
  const graceMilliseconds = (waitSeconds + 5) * 1000;
  stop.addEventListener(
    "abort",
    () => setTimeout(() => controller.abort(), graceMilliseconds).unref(),
    { once: true },
  );
  return controller.signal;
}

/** Resolves with `work`, or rejects with CancelledError as soon as `stop` aborts. */
function untilStopped<T>(work: Promise<T>, stop: AbortSignal): Promise<T> {
  if (stop.aborted) {
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onStop = () => reject(new CancelledError());
    stop.addEventListener("abort", onStop, { once: true });
    work.then(resolve, reject).finally(() => {
      stop.removeEventListener("abort", onStop);
    });
  });
}

async function cancelQuietly(
  client: StatementExecutionClient,
  statementId: string,
): Promise<void> {
  try {
    await client.cancelStatement(
      statementId,
      AbortSignal.timeout(cancelTimeoutMilliseconds),
    );
    logger.info({ statementId }, "statement cancelled");
  } catch (error) {
    logger.warn(
      { statementId, code: BehalfError.isInstance(error) ? error.code : "" },
      "cancelling a statement failed; it runs on until it ends",
    );
  }
}

function stopError(
  options: RunStatementOptions,
  statementId: string | undefined,
  state: string,
): BehalfError {
  const subject =
    statementId === undefined ? "the statement" : `statement ${statementId}`;
  if (options.signal?.aborted) {
    return new CancelledError(
      `The request was cancelled, so ${subject} was cancelled too (last state ${state}).`,
    );
  }
  return new DeadlineExceededError(
    `The deadline passed: ${subject} did not finish within ${Number((options.deadlineMilliseconds / 1000).toFixed(1))} s (last state ${state}), ` +
      "so it was cancelled. Make the statement cheaper (filter or aggregate more) or raise the SQL tool's deadlineSeconds.",
  );
}

function isKnownState(state: string): boolean {
  return (
    inProgressStates.has(state) ||
    ["SUCCEEDED", "FAILED", "CANCELED", "CLOSED"].includes(state)
  );
}

/** Reads the inline rows and further chunks until the row limit or the last chunk. */
async function readRows(
  client: StatementExecutionClient,
  statementId: string,
  response: StatementStatusResponse,
  request: StatementRequest,
  stop: AbortSignal,
): Promise<StatementRun> {
  const rows = [...(response.result?.data_array ?? [])];
  const producedRows = response.manifest?.total_row_count ?? 0;
  let next =
    response.result === undefined && producedRows > 0
      ? 0
      : response.result?.next_chunk_index;

  while (next !== undefined && rows.length < request.rowLimit) {
    const chunk = await client.getResultChunk(statementId, next, stop);
    rows.push(...(chunk.data_array ?? []));
    next = chunk.next_chunk_index;
  }

  const limitedRows = rows.slice(0, request.rowLimit);
  const result = typeStatementResult({
    manifest: response.manifest,
    result: { data_array: limitedRows },
  });
  const cut = rows.length > limitedRows.length || next !== undefined;
  const truncated = result.truncated || cut;
  return {
    statementId,
    result: { ...result, truncated },
    ...(truncated ? { truncationReason: "row-limit" as const } : {}),
  };
}
