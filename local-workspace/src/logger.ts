import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** Level used when neither the caller nor `LOCAL_WORKSPACE_LOG_LEVEL` sets one. */
export const defaultLogLevel = "info";

const tokenShapedText = /eyJ[\w-]+\.[\w-]+\.[\w-]*|\b(Bearer|Basic)\s+\S+/g;

/** Replaces JWTs and Authorization values in `text`, for error messages that reach a log. */
export function redactTokens(text: string): string {
  return text.replace(tokenShapedText, (_match, scheme?: string) =>
    scheme === undefined ? "[REDACTED]" : `${scheme} [REDACTED]`,
  );
}

/** Creates the local workspace's logger: pino JSON lines on standard output. */
export function createLocalWorkspaceLogger(level?: string): Logger {
  return pino({
    name: "local-workspace",
    level: level ?? process.env.LOCAL_WORKSPACE_LOG_LEVEL ?? defaultLogLevel,
  });
}
