import { randomBytes, randomUUID } from "node:crypto";

/** Returns a 32-character hex id, the form Genie uses for conversations, messages and attachments. */
export function newGenieId(): string {
  return randomBytes(16).toString("hex");
}

/** Returns a UUID, the form of a Statement Execution `statement_id`. */
export function newStatementId(): string {
  return randomUUID();
}
