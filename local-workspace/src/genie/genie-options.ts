/**
 * Genie's start options: checks them before the workspace spends seconds loading its
 * warehouse, and turns them into the runtime options the Genie routes read.
 */
import type { LocalWorkspaceRuntimeOptions } from "../contracts.js";
import {
  type GenieLatencyModel,
  parseLatencyModel,
  validateLatencyModel,
} from "./message-status.js";
import { defaultQuestionsPerMinute } from "./throughput-limit.js";

export interface GenieStartOptions {
  genieStatusStepMilliseconds: number;
  genieLatency?: GenieLatencyModel | string;
  genieResultLifetimeSeconds?: number;
  /** A number of questions per minute, `true` for the default of 5, or `false` for no limit. */
  genieQuestionsPerMinute?: number | boolean;
  genieThroughputWindowMilliseconds?: number;
  genieUsesModel?: boolean;
}

type GenieRuntimeOptions = Pick<
  LocalWorkspaceRuntimeOptions,
  | "genieStatusStepMilliseconds"
  | "genieLatency"
  | "genieResultLifetimeSeconds"
  | "genieQuestionsPerMinute"
  | "genieThroughputWindowMilliseconds"
  | "genieUsesModel"
>;

/** Validates Genie's start options, raising a RangeError that names the bad one. */
export function resolveGenieOptions(
  options: GenieStartOptions,
): GenieRuntimeOptions {
  const step = options.genieStatusStepMilliseconds;
  if (!Number.isFinite(step) || step < 0) {
    throw new RangeError(
      `genieStatusStepMilliseconds must be a non-negative number of milliseconds, got ${step}.`,
    );
  }

  const latency =
    typeof options.genieLatency === "string"
      ? parseLatencyModel(options.genieLatency, step)
      : options.genieLatency;
  if (latency) {
    validateLatencyModel(latency);
  }

  const lifetime = options.genieResultLifetimeSeconds;
  if (lifetime !== undefined && (!Number.isFinite(lifetime) || lifetime <= 0)) {
    throw new RangeError(
      `genieResultLifetimeSeconds must be a positive number of seconds, got ${lifetime}.`,
    );
  }

  const limit = options.genieQuestionsPerMinute;
  const questionsPerMinute =
    limit === true
      ? defaultQuestionsPerMinute
      : limit === false
        ? undefined
        : limit;
  if (
    questionsPerMinute !== undefined &&
    (!Number.isInteger(questionsPerMinute) || questionsPerMinute < 1)
  ) {
    throw new RangeError(
      `genieQuestionsPerMinute must be a positive whole number, got ${questionsPerMinute}.`,
    );
  }

  const window = options.genieThroughputWindowMilliseconds;
  if (window !== undefined && (!Number.isFinite(window) || window <= 0)) {
    throw new RangeError(
      `genieThroughputWindowMilliseconds must be a positive number of milliseconds, got ${window}.`,
    );
  }

  return {
    genieStatusStepMilliseconds: step,
    genieLatency: latency,
    genieResultLifetimeSeconds: lifetime,
    genieQuestionsPerMinute: questionsPerMinute,
    genieThroughputWindowMilliseconds: window,
    genieUsesModel: options.genieUsesModel,
  };
}
