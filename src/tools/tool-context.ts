/** Progress a tool reports while it runs, streamed to clients that ask for it. */
export interface ToolProgress {
  toolCallId: string;
  toolName: string;
  /** A short machine-readable stage, e.g. a Genie status such as `EXECUTING_QUERY`. */
  status: string;
  /** Extra facts for the stage: ids, SQL. */
  data?: Record<string, unknown>;
}

/** Passed to tools through the AI SDK's `experimental_context` for one agent run. */
export interface ToolRunContext {
  reportProgress(progress: ToolProgress): void;
}

/** Returns the run context when the loop provided one, so tools also run without it. */
export function readToolRunContext(value: unknown): ToolRunContext | undefined {
  if (
    typeof value === "object" &&
    value !== null &&
    "reportProgress" in value
  ) {
    return value as ToolRunContext;
  }
  return undefined;
}
