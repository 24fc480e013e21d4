import { currentRequestScope } from "../identity/request-context.js";
import { moduleLogger } from "../logging/logger.js";

const logger = moduleLogger("audit");

export interface ToolCallAudit {
  tool: string;
  toolCallId: string;
  /** The data resource the call touched, e.g. `genie_space:01ef...`. */
  resource: string;
  outcome: "success" | "error";
  errorCode?: string;
  durationMilliseconds: number;
  /** Facts about the result that are safe to keep: row counts, statuses, ids. */
  facts?: Record<string, unknown>;
}

/**
 * Writes one audit line per tool call: who (user name and id from the token, never the
 * token), which tool and resource, the outcome and how long it took. The request id
 * ties it to the client's request (`X-Request-Id`).
 */
export function auditToolCall(entry: ToolCallAudit): void {
  const scope = currentRequestScope();
  logger.info(
    {
      audit: true,
      event: "tool_call",
      userId: scope?.user.id,
      ...entry,
    },
    `tool ${entry.tool} ${entry.outcome}`,
  );
}
