import type { Command } from "commander";
import { ConfigError } from "../../errors/errors.js";
import { type AgentAnswer, type AgentStep, askAgent } from "../agent-client.js";
import { defaultLocalWorkspaceUrl, fetchLocalUserToken } from "./token.js";

/** Agent server URL `behalf ask` uses when `--url` is not given. */
export const defaultAgentUrl =
  process.env.BEHALF_URL ?? "http://127.0.0.1:8000";

interface AskOptions {
  as?: string;
  token?: string;
  url: string;
  workspace: string;
  json?: boolean;
}

export function registerAskCommand(program: Command): void {
  program
    .command("ask")
    .description(
      "Ask the agent a question as a user and show each step: tool calls, Genie statuses, SQL, answer.",
    )
    .argument("<question>", "the question, in quotes")
    .option("--as <email>", "sign in to the local workspace as this demo user")
    .option(
      "--token <token>",
      "use this user token (default: BEHALF_TOKEN)",
      process.env.BEHALF_TOKEN,
    )
    .option("--url <url>", "agent server URL", defaultAgentUrl)
    .option(
      "--workspace <url>",
      "local workspace URL, used with --as",
      defaultLocalWorkspaceUrl,
    )
    .option(
      "--json",
      "print one JSON object with the answer and the steps instead of live output",
    )
    .action(async (question: string, options: AskOptions) => {
      const token = await resolveToken(options);
      const printer = options.json ? undefined : new StepPrinter();
      const answer = await askAgent({
        url: options.url,
        token,
        question,
        onEvent: printer
          ? (event, state) => printer.print(event, state)
          : undefined,
      });

      if (options.json) {
        process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      } else {
        printer?.finish();
      }
      // The error line goes to stderr in both modes, so a script that reads the JSON
      // also gets the reason for exit code 1.
      if (answer.error !== undefined) {
        process.stderr.write(
          `behalf: ${answer.error.code}: ${answer.error.message}\n`,
        );
        process.exitCode = 1;
      }
    });
}

async function resolveToken(options: AskOptions): Promise<string> {
  if (
    options.as !== undefined &&
    options.token !== undefined &&
    process.env.BEHALF_TOKEN !== options.token
  ) {
    throw new ConfigError("Pass either --as or --token, not both.");
  }
  if (options.as !== undefined) {
    return fetchLocalUserToken(options.workspace, options.as);
  }
  if (options.token !== undefined && options.token !== "") {
    return options.token;
  }
  throw new ConfigError(
    "No user: pass --as EMAIL (a local workspace demo user) or --token TOKEN (or set BEHALF_TOKEN).",
  );
}

/** Genie message statuses; the SQL tool reports Statement Execution states instead. */
const genieStatuses = new Set([
  // behalf's own status for a question that waits for the workspace's Genie question budget.
  "QUEUED",
  "SUBMITTED",
  "FETCHING_METADATA",
  "FILTERING_CONTEXT",
  "ASKING_AI",
  "PENDING_WAREHOUSE",
  "EXECUTING_QUERY",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "QUERY_RESULT_EXPIRED",
]);

/** Statuses after which a tool reports nothing more, Genie's and Statement Execution's. */
const terminalStatuses = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CANCELED",
  "QUERY_RESULT_EXPIRED",
  "SUCCEEDED",
  "CLOSED",
]);

/** Prints agent steps as they stream: tool calls, Genie statuses, SQL, then the answer. */
class StepPrinter {
  #answerStarted = false;
  #statusLine = new Map<string, number>();
  #lineOpen = false;

  /** Ends a status line still waiting for its final status, so the next output starts clean. */
  #closeLine(write: (text: string) => void): void {
    if (this.#lineOpen) {
      write("\n");
      this.#lineOpen = false;
    }
  }

  print(event: Record<string, unknown>, state: AgentAnswer): void {
    const write = (text: string) => process.stdout.write(text);
    if (event.type === "response.output_item.done") {
      const item = event.item as Record<string, unknown>;
      this.#closeLine(write);
      if (item.type === "function_call") {
        write(`→ ${String(item.name)} ${String(item.arguments)}\n`);
      } else if (item.type === "function_call_output") {
        const step = state.steps.find(
          (candidate) => candidate.callId === item.call_id,
        );
        if (step !== undefined) {
          write(describeResult(step));
        }
      }
      return;
    }
    if (event.type === "behalf.tool_progress") {
      const step = state.steps.find(
        (candidate) => candidate.callId === event.call_id,
      );
      if (event.status === "QUERY_RESULT") {
        const sql = (event.data as { sql?: string } | undefined)?.sql;
        this.#closeLine(write);
        if (sql) {
          write(`  SQL: ${sql.replace(/\s+/g, " ").trim()}\n`);
        }
      } else if (step !== undefined) {
        const status = String(event.status);
        const seen = this.#statusLine.get(step.callId) ?? 0;
        this.#statusLine.set(step.callId, seen + 1);
        // The SQL tool names its statement; Genie reports its own status names.
        const statementId = (
          event.data as { statementId?: unknown } | undefined
        )?.statementId;
        const label =
          statementId === undefined && genieStatuses.has(status)
            ? "Genie"
            : "Statement";
        write(`${seen === 0 ? `  ${label}: ` : " → "}${status}`);
        this.#lineOpen = !terminalStatuses.has(status);
        if (!this.#lineOpen) {
          write("\n");
        }
      }
      return;
    }
    if (event.type === "response.output_text.delta") {
      this.#closeLine(write);
      if (!this.#answerStarted) {
        this.#answerStarted = true;
        write("\n");
      }
      write(String(event.delta));
    }
  }

  finish(): void {
    if (this.#answerStarted) {
      process.stdout.write("\n");
    }
  }
}

function describeResult(step: AgentStep): string {
  if (step.error !== undefined) {
    return `  ✗ ${step.error.code}: ${step.error.message}\n`;
  }
  if (step.rowCount === undefined) {
    return "";
  }
  const shown = step.rows?.length ?? 0;
  const rows = step.rowCount === 1 ? "1 row" : `${step.rowCount} rows`;
  return `  ${rows}${shown < step.rowCount ? ` (${shown} sent to the model)` : ""}\n`;
}
