/**
 * The Statement Execution API without HTTP: warehouse access, statement ownership,
 * execution as the caller with `wait_timeout`, result chunks and cancellation.
 */
import type {
  Principal,
  Warehouse,
  WorkspaceDefinition,
} from "../contracts.js";
import { WarehouseError } from "../contracts.js";
import { newStatementId } from "../genie/identifiers.js";
import { runStatementAs } from "./statement-plan.js";
import {
  type ExecuteStatementRequest,
  readExecuteRequest,
  StatementRequestError,
} from "./statement-request.js";
import {
  chunkView,
  type StoredStatement,
  statementView,
} from "./statement-views.js";

/** The parts of a principal the API needs: who owns a statement, and whose role runs it. */
export type StatementPrincipal = Pick<Principal, "id" | "userName" | "groups">;

/**
 * Rows per result chunk. Databricks sizes INLINE chunks by bytes, but a fixed row count is
 * simpler. With 500 rows, the SQL tool's default limit of 1,000 rows spans two chunks, so
 * the demo exercises chunk reading too.
 */
export const defaultChunkRows = 500;

/** Databricks keeps a result for one hour after the statement succeeds, then reports CLOSED. */
export const resultLifetimeMilliseconds = 60 * 60 * 1000;

export interface StatementServiceOptions {
  /** Time a statement waits in PENDING before it runs, imitating a busy or starting warehouse. */
  queueMilliseconds: number;
  chunkRows?: number;
  /** Statements kept in memory before the oldest is dropped (then 404). */
  maximumStatements?: number;
  /** Clock in milliseconds since the epoch, replaceable in tests. */
  now?: () => number;
}

interface RunningStatement {
  record: StoredStatement;
  /** Resolves when the statement reaches SUCCEEDED, FAILED or CANCELED. */
  finished: Promise<void>;
  finish: () => void;
  queueTimer?: NodeJS.Timeout;
}

export class StatementService {
  readonly #definition: WorkspaceDefinition;
  readonly #warehouse: Warehouse;
  readonly #queueMilliseconds: number;
  readonly #chunkRows: number;
  readonly #maximumStatements: number;
  readonly #now: () => number;
  readonly #statements = new Map<string, RunningStatement>();

  constructor(
    definition: WorkspaceDefinition,
    warehouse: Warehouse,
    options: StatementServiceOptions,
  ) {
    this.#definition = definition;
    this.#warehouse = warehouse;
    this.#queueMilliseconds = options.queueMilliseconds;
    this.#chunkRows = options.chunkRows ?? defaultChunkRows;
    this.#maximumStatements = options.maximumStatements ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Submits a statement and waits up to its `wait_timeout` for the result. */
  async execute(principal: StatementPrincipal, body: unknown) {
    const request = readExecuteRequest(body);
    this.#checkWarehouse(request.warehouseId, principal);

    const running = this.#submit(request, principal);
    if (request.waitMilliseconds > 0) {
      await finishedWithin(running.finished, request.waitMilliseconds);
    }
    if (request.onWaitTimeout === "CANCEL") {
      this.#cancel(running);
    }
    return this.#view(running.record);
  }

  get(principal: StatementPrincipal, statementId: string) {
    return this.#view(this.#owned(principal, statementId).record);
  }

  getChunk(
    principal: StatementPrincipal,
    statementId: string,
    chunkText: string,
  ) {
    const { record } = this.#owned(principal, statementId);
    this.#expire(record);
    const chunkIndex = Number(chunkText);
    const result = record.result;
    const chunkCount = Math.ceil((result?.rows.length ?? 0) / this.#chunkRows);
    if (
      record.state !== "SUCCEEDED" ||
      result === undefined ||
      !Number.isInteger(chunkIndex) ||
      chunkIndex < 0 ||
      chunkIndex >= chunkCount
    ) {
      throw new StatementRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Statement ${statementId} (state ${record.state}) has no result chunk ${chunkText}.`,
      );
    }
    return chunkView(record, result, chunkIndex, this.#chunkRows);
  }

  /** Cancels a PENDING or RUNNING statement; a finished one stays as it is. */
  cancel(principal: StatementPrincipal, statementId: string): object {
    this.#cancel(this.#owned(principal, statementId));
    return {};
  }

  /** Resolves once the statement has finished, so tests can wait for it. */
  async waitForStatement(statementId: string): Promise<void> {
    await this.#statements.get(statementId)?.finished;
  }

  #submit(
    request: ExecuteStatementRequest,
    principal: StatementPrincipal,
  ): RunningStatement {
    const record: StoredStatement = {
      statementId: newStatementId(),
      ownerId: principal.id,
      warehouseId: request.warehouseId,
      state: "PENDING",
      submittedAt: this.#now(),
    };
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const running: RunningStatement = { record, finished, finish };
    this.#remember(running);

    const start = () => {
      void this.#run(running, request, principal);
    };
    if (this.#queueMilliseconds > 0) {
      running.queueTimer = setTimeout(start, this.#queueMilliseconds);
    } else {
      start();
    }
    return running;
  }

  async #run(
    running: RunningStatement,
    request: ExecuteStatementRequest,
    principal: StatementPrincipal,
  ): Promise<void> {
    const { record } = running;
    if (record.state !== "PENDING") {
      return;
    }
    record.state = "RUNNING";
    try {
      const result = await runStatementAs(
        this.#warehouse,
        this.#definition,
        principal.userName,
        request,
      );
      // A cancel may have won the race while the warehouse worked; its result is dropped.
      if (record.state === "RUNNING") {
        const limit = request.rowLimit ?? result.rows.length;
        record.result = { ...result, rows: result.rows.slice(0, limit) };
        record.truncated = result.rows.length > limit;
        record.state = "SUCCEEDED";
      }
    } catch (error) {
      if (record.state === "RUNNING") {
        record.failure = describeFailure(error);
        record.state = "FAILED";
      }
    } finally {
      record.finishedAt ??= this.#now();
      running.finish();
    }
  }

  #cancel(running: RunningStatement): void {
    const { record } = running;
    if (record.state !== "PENDING" && record.state !== "RUNNING") {
      return;
    }
    clearTimeout(running.queueTimer);
    record.state = "CANCELED";
    record.finishedAt = this.#now();
    running.finish();
  }

  /**
   * Checks that the warehouse exists (else 404) and that the caller, directly or through
   * a group, has CAN_USE or CAN_MANAGE on it (else 403).
   */
  #checkWarehouse(warehouseId: string, principal: StatementPrincipal): void {
    const warehouse = this.#definition.warehouses.find(
      (candidate) => candidate.id === warehouseId,
    );
    if (warehouse === undefined) {
      throw new StatementRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Warehouse ${warehouseId} does not exist. Check the warehouse id.`,
      );
    }
    const canUse = warehouse.permissions.some(
      (permission) =>
        permission.principal === principal.userName ||
        principal.groups.includes(permission.principal),
    );
    if (!canUse) {
      throw new StatementRequestError(
        403,
        "PERMISSION_DENIED",
        `User ${principal.userName} does not have CAN_USE permission on warehouse ${warehouseId} (${warehouse.name}).`,
      );
    }
  }

  /** Other callers' statements are reported as missing, so statement ids do not leak. */
  #owned(principal: StatementPrincipal, statementId: string): RunningStatement {
    const running = this.#statements.get(statementId);
    if (running === undefined || running.record.ownerId !== principal.id) {
      throw new StatementRequestError(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Statement ${statementId} does not exist.`,
      );
    }
    return running;
  }

  #remember(running: RunningStatement): void {
    this.#statements.set(running.record.statementId, running);
    // Map iteration follows insertion order, so the first key is the oldest.
    while (this.#statements.size > this.#maximumStatements) {
      const oldest = this.#statements.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#statements.delete(oldest);
    }
  }

  /** Moves a SUCCEEDED statement whose result has expired to CLOSED and drops its rows. */
  #expire(record: StoredStatement): void {
    if (
      record.state === "SUCCEEDED" &&
      this.#now() - (record.finishedAt ?? record.submittedAt) >
        resultLifetimeMilliseconds
    ) {
      record.state = "CLOSED";
      delete record.result;
    }
  }

  #view(record: StoredStatement) {
    this.#expire(record);
    return statementView(record, this.#chunkRows);
  }
}

/** Resolves when `finished` does or after `milliseconds`, whichever comes first. */
async function finishedWithin(
  finished: Promise<void>,
  milliseconds: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, milliseconds);
  });
  await Promise.race([finished, timeout]);
  clearTimeout(timer);
}

function describeFailure(
  error: unknown,
): NonNullable<StoredStatement["failure"]> {
  if (error instanceof WarehouseError) {
    return {
      errorClass: error.errorClass,
      message: error.message,
      sqlState: error.sqlState,
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return {
    errorClass: "INTERNAL_ERROR",
    message: `The warehouse failed to run the statement: ${detail}`,
  };
}
