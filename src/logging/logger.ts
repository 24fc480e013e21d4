import pino, { type Logger } from "pino";
import { ConfigError } from "../errors/errors.js";
import { redactText, redactValue } from "../errors/redact.js";
import { currentRequestScope } from "../identity/request-context.js";

export type { Logger } from "pino";

type LineWriter = (line: string) => void;

let writeLine: LineWriter = (line) => {
  process.stdout.write(line);
};

/**
 * Destination that forwards to the current writer, so tests and the CLI can redirect
 * every logger, including module loggers created at import time.
 */
const switchableDestination = {
  write(line: string): void {
    writeLine(line);
  },
};

/** Level names pino accepts, from most to least verbose. */
export const logLevels = [
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "fatal",
  "silent",
] as const;

function isLogLevel(value: string): boolean {
  return (logLevels as readonly string[]).includes(value);
}

function initialLevel(): string {
  const requested = process.env.BEHALF_LOG_LEVEL;
  if (requested === undefined || requested === "") {
    return "info";
  }
  if (isLogLevel(requested)) {
    return requested;
  }
  process.stderr.write(
    `BEHALF_LOG_LEVEL=${JSON.stringify(requested)} is not a log level; using info. Use one of ${logLevels.join(", ")}.\n`,
  );
  return "info";
}

const rootLogger: Logger = pino(
  {
    level: initialLevel(),
    base: { service: "behalf" },
    // Each line carries the request id and user of the request it was logged in.
    mixin() {
      const scope = currentRequestScope();
      if (scope === undefined) {
        return {};
      }
      return { requestId: scope.requestId, userName: scope.user.userName };
    },
    formatters: {
      log(object) {
        return redactValue(object) as Record<string, unknown>;
      },
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((argument) =>
          typeof argument === "string" ? redactText(argument) : argument,
        ) as Parameters<typeof method>;
        method.apply(this, redacted);
      },
    },
    serializers: {
      err: (error: unknown) =>
        redactValue(withoutPayloads(pino.stdSerializers.err(error as Error))),
    },
  },
  switchableDestination,
);

/** Returns a logger whose lines carry `module`. */
export function moduleLogger(module: string): Logger {
  return rootLogger.child({ module });
}

/** Sends every log line to `writer` and sets the level; returns a function that restores both. */
export function redirectLogs(
  writer: LineWriter,
  level = rootLogger.level,
): () => void {
  const previousWriter = writeLine;
  const previousLevel = rootLogger.level;
  writeLine = writer;
  rootLogger.level = level;
  return () => {
    writeLine = previousWriter;
    rootLogger.level = previousLevel;
  };
}

/** Sets the level of every logger; an unknown level name is rejected with the valid ones. */
export function setLogLevel(level: string): void {
  if (!isLogLevel(level)) {
    throw new ConfigError(
      `${JSON.stringify(level)} is not a log level. Use one of ${logLevels.join(", ")}.`,
    );
  }
  rootLogger.level = level;
}

/**
 * Drops the fields in which HTTP client errors carry whole request and response bodies
 * (the AI SDK's `requestBodyValues`, for one), because those hold users' questions and data.
 */
function withoutPayloads(serialized: object): Record<string, unknown> {
  const {
    requestBodyValues: _request,
    responseBody: _response,
    data: _data,
    ...rest
  } = serialized as Record<string, unknown>;
  return rest;
}
