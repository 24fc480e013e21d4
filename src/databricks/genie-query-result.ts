import {
  BehalfError,
  DeadlineExceededError,
  GenieMessageFailedError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import type { GenieClient, GenieMessageReference } from "./genie.js";
import type { PollClock } from "./genie-wait.js";
import {
  type StatementResponse,
  type TypedResult,
  typeStatementResult,
} from "./statement-result.js";

const logger = moduleLogger("genie-query-result");

/** Rows the Genie API returns at most for one query result. */
export const genieApiRowCap = 5000;

/** Statement states in which the query is still running; the result is polled until it leaves them. */
const runningStates: ReadonlySet<string> = new Set(["PENDING", "RUNNING"]);

/** Delays between polls of a running statement: the first, the growth factor and the longest, in milliseconds. */
const statementPoll = { first: 250, growth: 1.5, maximum: 2000 } as const;

export interface QueryResultContext {
  genie: Pick<GenieClient, "getQueryResult" | "executeQuery">;
  reference: GenieMessageReference;
  attachmentId: string;
  /** Milliseconds since the epoch on `clock` after which no request is sent. */
  deadline: number;
  clock: PollClock;
  signal?: AbortSignal;
}

export interface QueryResultRead {
  result: TypedResult;
  /** True when the result had expired and the query was run again to read it. */
  rerun: boolean;
}

/**
 * Reads the query result of a finished message. A statement still PENDING or RUNNING
 * is polled until it ends, and FAILED and CANCELED become GenieMessageFailedError. A
 * result that has expired (`alreadyExpired`, a CLOSED statement, or a read the
 * workspace rejects as expired) is run again once with execute-query. A second expiry
 * is a GenieMessageFailedError with status QUERY_RESULT_EXPIRED.
 */
export async function readQueryResult(
  context: QueryResultContext,
  alreadyExpired: boolean,
): Promise<QueryResultRead> {
  let rerun = false;
  let statement: StatementResponse | "expired" = alreadyExpired
    ? "expired"
    : await readStatement(context);

  for (;;) {
    if (statement === "expired") {
      if (rerun) {
        throw new GenieMessageFailedError(
          "QUERY_RESULT_EXPIRED",
          `The query result of Genie message ${context.reference.messageId} expired again after its query was run a second time. Ask the question again.`,
        );
      }
      logger.info(
        {
          messageId: context.reference.messageId,
          attachmentId: context.attachmentId,
        },
        "running an expired Genie query again",
      );
      rerun = true;
      statement = await context.genie.executeQuery(
        context.reference,
        context.attachmentId,
        callOptions(context),
      );
    }

    const state = statement.status?.state;
    if (state === "CLOSED") {
      statement = "expired";
      continue;
    }
    if (state !== undefined && runningStates.has(state)) {
      statement = await waitForStatement(context, statement);
      continue;
    }
    if (state === "FAILED" || state === "CANCELED") {
      throw statementFailure(context.reference, statement);
    }
    return { result: typeStatementResult(statement), rerun };
  }
}

/** Reads the result once; an expired one comes back as "expired" rather than an error. */
async function readStatement(
  context: QueryResultContext,
): Promise<StatementResponse | "expired"> {
  try {
    return await context.genie.getQueryResult(
      context.reference,
      context.attachmentId,
      callOptions(context),
    );
  } catch (error) {
    if (isExpiredResultError(error)) {
      return "expired";
    }
    throw error;
  }
}

/** Polls a PENDING or RUNNING statement until it leaves those states or the deadline passes. */
async function waitForStatement(
  context: QueryResultContext,
  running: StatementResponse,
): Promise<StatementResponse | "expired"> {
  let delay: number = statementPoll.first;
  let latest: StatementResponse | "expired" = running;
  while (
    latest !== "expired" &&
    runningStates.has(latest.status?.state ?? "")
  ) {
    const remaining = context.deadline - context.clock.now();
    if (remaining <= 0) {
      throw new DeadlineExceededError(
        `The query of Genie message ${context.reference.messageId} was still ${latest.status?.state} at the deadline. ` +
          "Ask a narrower question, or raise tools.genie[].deadlineSeconds.",
      );
    }
    await context.clock.sleep(Math.min(delay, remaining), context.signal);
    delay = Math.min(delay * statementPoll.growth, statementPoll.maximum);
    latest = await readStatement(context);
  }
  return latest;
}

function statementFailure(
  reference: GenieMessageReference,
  statement: StatementResponse,
): GenieMessageFailedError {
  const error = statement.status?.error;
  const state = statement.status?.state ?? "FAILED";
  const reason = error?.message
    ? `: ${error.error_code ? `[${error.error_code}] ` : ""}${error.message}`
    : "";
  return new GenieMessageFailedError(
    state === "CANCELED" ? "CANCELLED" : "FAILED",
    `The query of Genie message ${reference.messageId} ended ${state}${reason}`,
    error?.error_code,
  );
}

/** Returns whether a failed result read means that the result has expired. */
function isExpiredResultError(error: unknown): boolean {
  // NOTE: how Databricks reports an expired result on the query-result route is not
  // documented. A 4xx (not 401 or 403) whose message mentions expiry is taken as one.
  if (!BehalfError.isInstance(error)) {
    return false;
  }
  const status = error.details.upstreamStatus;
  return (
    typeof status === "number" &&
    status >= 400 &&
    status < 500 &&
    status !== 401 &&
    status !== 403 &&
    /expired/i.test(error.message)
  );
}

/** Request options, with the deadline moved from `clock` to the wall clock that requests use. */
function callOptions(context: QueryResultContext) {
  return {
    signal: context.signal,
    deadline: Date.now() + (context.deadline - context.clock.now()),
  };
}

export type TruncationReason = "genie-api-row-cap" | "model-row-budget";

/** The part of a result that is passed on, with the facts about what was left out. */
export interface ResultExcerpt {
  rows: TypedResult["rows"];
  /** Rows the result holds, as the API reports them; at least this many when the API cut the result. */
  rowCount: number;
  rowsShown: number;
  truncated: boolean;
  /** Why rows are missing: the Genie API's 5,000-row cap, or the row budget of the excerpt. */
  truncationReason?: TruncationReason;
  /** The count in words, e.g. "0 rows" or "at least 5,000 rows (the Genie API returns at most 5,000)". */
  rowCountText: string;
}

/**
 * Cuts a result to `rowBudget` rows and reports whether and why rows are missing. The API's
 * cap is named first, because then even the full result is incomplete.
 */
export function excerptResult(
  result: TypedResult,
  rowBudget: number,
): ResultExcerpt {
  const rows = result.rows.slice(0, rowBudget);
  const cutByApi =
    result.truncated ||
    (result.rows.length >= genieApiRowCap && result.rowCount > rows.length);
  const cutByBudget = rows.length < result.rowCount;

  let truncationReason: TruncationReason | undefined;
  if (cutByApi) {
    truncationReason = "genie-api-row-cap";
  } else if (cutByBudget) {
    truncationReason = "model-row-budget";
  }

  const count = result.rowCount.toLocaleString("en-US");
  let rowCountText = `${count} ${result.rowCount === 1 ? "row" : "rows"}`;
  if (cutByApi) {
    rowCountText = `at least ${count} rows (the Genie API returns at most ${genieApiRowCap.toLocaleString("en-US")}; the rest were left out)`;
  } else if (cutByBudget) {
    rowCountText += `, of which the first ${rows.length} are shown`;
  }

  return {
    rows,
    rowCount: result.rowCount,
    rowsShown: rows.length,
    truncated: truncationReason !== undefined,
    ...(truncationReason ? { truncationReason } : {}),
    rowCountText,
  };
}
