import { z } from "zod";

/** Default instructions for the model; every deployment should replace them with its own. */
export const defaultSystemPrompt =
  "You answer questions about data by calling the tools you are given. " +
  "Each tool runs with the permissions of the person asking, so answer only from what the tools return, " +
  "say so plainly when a tool reports no access or no rows, and never guess numbers.";

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
  /** What the space can answer; the model picks tools by this text. */
  description: z
    .string()
    .min(
      1,
      "must describe what the space can answer, so the model can pick it",
    ),
  /** Time limit for one Genie answer, polling included; keep it under the Apps proxy's ~300 s cap. */
  deadlineSeconds: z.number().positive().max(600).default(120),
});

export const configSchema = z.strictObject({
  workspace: z
    .strictObject({
      /** Workspace URL such as `https://adb-123.4.azuredatabricks.net`; `https://` is added when missing. */
      host: z.string().min(1).optional(),
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
    })
    .default({ hostname: "127.0.0.1", port: 8000 }),
  llm: z.strictObject({
    /** Serving endpoint name, sent as `model` to `{host}/serving-endpoints/chat/completions`. */
    endpoint: z
      .string()
      .min(1, "must name the serving endpoint the agent calls"),
    temperature: z.number().min(0).max(2).default(0),
    maxTokens: z.number().int().positive().default(1024),
  }),
  agent: z
    .strictObject({
      systemPrompt: z.string().min(1).default(defaultSystemPrompt),
      /** Model calls per turn, tool rounds included. */
      maxSteps: z.number().int().min(1).max(50).default(6),
    })
    .default({ systemPrompt: defaultSystemPrompt, maxSteps: 6 }),
  tools: z
    .strictObject({
      genie: z.array(genieToolSchema).default([]),
    })
    .default({ genie: [] }),
});

export type GenieToolConfig = z.infer<typeof genieToolSchema>;
export type BehalfConfig = z.infer<typeof configSchema>;
export type BehalfConfigInput = z.input<typeof configSchema>;
