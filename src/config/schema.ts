import { z } from "zod";

/** Default instructions for the model; every deployment should replace them with its own. */
export const defaultSystemPrompt =
  "You answer questions about data by calling the tools you are given. " +
  "Each tool runs with the permissions of the person asking, so answer only from what the tools return, " +
  "say so plainly when a tool reports no access or no rows, and never guess numbers.";

/** Accepts what `normalizeHost` accepts: a host name or an http(s) URL. */
function isWorkspaceUrl(value: string): boolean {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
    ? trimmed
    : `https://${trimmed}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

const toolNamePattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

export const genieToolSchema = z.strictObject({
  /** Tool name the model sees; letters, digits, `_` and `-`. */
  name: z
    .string()
    .regex(
      toolNamePattern,
      "must start with a letter and use only letters, digits, _ and - (at most 64)",
    ),
  spaceId: z
    .string()
    .min(
      1,
      "must name the Genie space id (the 32-character id in the space URL)",
    ),
  /** Description of what the space can answer, by which the model picks tools. */
  description: z
    .string()
    .min(
      1,
      "must describe what the space can answer, so the model can pick it (BEHALF_GENIE_DESCRIPTION sets it for the first tool)",
    ),
  /** Time limit for one Genie answer, polling included; keep it under the Apps proxy's ~300 s cap. */
  deadlineSeconds: z.number().positive().max(600).default(120),
});

export const sqlToolSchema = z.strictObject({
  /** Tool name the model sees; letters, digits, `_` and `-`. */
  name: z
    .string()
    .regex(
      toolNamePattern,
      "must start with a letter and use only letters, digits, _ and - (at most 64)",
    ),
  warehouseId: z
    .string()
    .min(1, "must name the SQL warehouse id (the id in the warehouse's URL)"),
  /** Description of the warehouse's tables and how to query them, by which the model picks tools and writes SQL. */
  description: z
    .string()
    .min(
      1,
      "must describe the tables the statements may read, so the model can write SQL",
    ),
  /** Default catalog and schema for names that are not fully qualified. */
  catalog: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  /** Rows one statement returns at most (`row_limit`); the model sees at most 50 of them. */
  rowLimit: z.number().int().min(1).max(100_000).default(1000),
  /** Time limit for one statement, polling included; keep it under the Apps proxy's ~300 s cap. */
  deadlineSeconds: z.number().positive().max(600).default(120),
});

export const configSchema = z.strictObject({
  workspace: z
    .strictObject({
      /** Workspace URL such as `https://adb-123.4.azuredatabricks.net`; `https://` is added when missing. */
      host: z
        .string()
        .min(1)
        .refine(
          isWorkspaceUrl,
          "must be the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net (https, or http on loopback)",
        )
        .optional(),
    })
    .default({}),
  server: z
    .strictObject({
      hostname: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8000),
      /**
       * `apps` reads the user token from `x-forwarded-access-token` (behind the Databricks
       * Apps proxy); `standalone` reads `Authorization: Bearer`. Unset: `apps` when
       * `DATABRICKS_APP_NAME` is set, else `standalone`.
       */
      mode: z.enum(["standalone", "apps"]).optional(),
      /** Seconds between SSE comment lines on a quiet stream, so idle proxies keep it open. */
      sseKeepaliveSeconds: z.number().positive().max(300).default(15),
      /** Largest request body accepted, in bytes; larger ones get 413 before anything runs. */
      maxRequestBytes: z.number().int().positive().default(1_048_576),
    })
    .default({
      hostname: "127.0.0.1",
      port: 8000,
      sseKeepaliveSeconds: 15,
      maxRequestBytes: 1_048_576,
    }),
  llm: z.strictObject(
    {
      /** Serving endpoint name, sent as `model` to `{host}/serving-endpoints/chat/completions`. */
      endpoint: z
        .string()
        .min(1, "must name the serving endpoint the agent calls"),
      temperature: z.number().min(0).max(2).default(0),
      maxTokens: z.number().int().positive().default(1024),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? "is missing: add an llm section with endpoint (the serving endpoint name), or set BEHALF_LLM_ENDPOINT"
          : undefined,
    },
  ),
  agent: z
    .strictObject({
      systemPrompt: z.string().min(1).default(defaultSystemPrompt),
      /** Model calls per turn, tool rounds included. */
      maxSteps: z.number().int().min(1).max(50).default(6),
      /** Tool calls per turn; the next call is not run and the turn stops. */
      maxToolCalls: z.number().int().min(1).max(100).default(8),
      /** Tool calls that may fail in a row before the turn stops. */
      maxConsecutiveToolFailures: z.number().int().min(1).max(50).default(3),
      /** Time limit of one turn, model and tools together; keep it under the Apps proxy's ~300 s cap. */
      turnDeadlineSeconds: z.number().positive().max(3600).default(280),
    })
    .default({
      systemPrompt: defaultSystemPrompt,
      maxSteps: 6,
      maxToolCalls: 8,
      maxConsecutiveToolFailures: 3,
      turnDeadlineSeconds: 280,
    }),
  app: z
    .strictObject({
      /**
       * The app's user API scopes (Databricks Apps `user_api_scopes`). The server refuses
       * to start if a tool needs a scope missing here, or if tools are configured and
       * this is unset.
       */
      userApiScopes: z.array(z.string().min(1)).optional(),
    })
    .default({}),
  genie: z
    .strictObject({
      /**
       * Question POSTs (start-conversation, create-message) behalf sends per sliding minute
       * across all users of the workspace; waiting questions take turns by user. Unset
       * sends them at once, and only Genie's 429s pause the queue.
       */
      questionsPerMinute: z
        .number()
        .int("must be a whole number of questions per minute")
        .min(1)
        .optional(),
    })
    .default({}),
  tools: z
    .strictObject({
      genie: z.array(genieToolSchema).default([]),
      sql: z.array(sqlToolSchema).default([]),
    })
    .default({ genie: [], sql: [] }),
});

export type GenieToolConfig = z.infer<typeof genieToolSchema>;
export type SqlToolConfig = z.infer<typeof sqlToolSchema>;
export type BehalfConfig = z.infer<typeof configSchema>;
export type BehalfConfigInput = z.input<typeof configSchema>;
