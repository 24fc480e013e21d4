import pino, { type Logger } from "pino";
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

const rootLogger: Logger = pino(
  {
    level: process.env.BEHALF_LOG_LEVEL ?? "info",
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
        redactValue(pino.stdSerializers.err(error as Error)),
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

/** Sets the level of every logger. */
export function setLogLevel(level: string): void {
  rootLogger.level = level;
}
