import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors/errors.js";
import { formatIssues, formatPath } from "./format-issues.js";
import {
  type BehalfConfig,
  type BehalfConfigInput,
  configSchema,
} from "./schema.js";

type Environment = Record<string, string | undefined>;

/** Reads a YAML or JSON config file; JSON is valid YAML, so one parser serves both. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `Cannot read the config file ${path}: ${(error as Error).message}. Pass an existing file with --config.`,
      { cause: error },
    );
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(
      `${path}: not valid YAML or JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

type ConfigPath = readonly (string | number)[];

interface EnvironmentSetting {
  variable: string;
  path: ConfigPath;
  kind: "text" | "number" | "list";
}

/**
 * Environment variables and the settings they replace. Later rows win, so
 * `DATABRICKS_APP_PORT`, which Databricks Apps sets, beats `BEHALF_PORT`.
 */
const environmentSettings: readonly EnvironmentSetting[] = [
  { variable: "DATABRICKS_HOST", path: ["workspace", "host"], kind: "text" },
  { variable: "BEHALF_HOSTNAME", path: ["server", "hostname"], kind: "text" },
  { variable: "BEHALF_PORT", path: ["server", "port"], kind: "number" },
  { variable: "DATABRICKS_APP_PORT", path: ["server", "port"], kind: "number" },
  { variable: "BEHALF_MODE", path: ["server", "mode"], kind: "text" },
  {
    variable: "BEHALF_SSE_KEEPALIVE_SECONDS",
    path: ["server", "sseKeepaliveSeconds"],
    kind: "number",
  },
  {
    variable: "BEHALF_MAX_REQUEST_BYTES",
    path: ["server", "maxRequestBytes"],
    kind: "number",
  },
  { variable: "BEHALF_LLM_ENDPOINT", path: ["llm", "endpoint"], kind: "text" },
  {
    variable: "BEHALF_TEMPERATURE",
    path: ["llm", "temperature"],
    kind: "number",
  },
  { variable: "BEHALF_MAX_TOKENS", path: ["llm", "maxTokens"], kind: "number" },
  {
    variable: "BEHALF_SYSTEM_PROMPT",
    path: ["agent", "systemPrompt"],
    kind: "text",
  },
  { variable: "BEHALF_MAX_STEPS", path: ["agent", "maxSteps"], kind: "number" },
  {
    variable: "BEHALF_MAX_TOOL_CALLS",
    path: ["agent", "maxToolCalls"],
    kind: "number",
  },
  {
    variable: "BEHALF_MAX_CONSECUTIVE_TOOL_FAILURES",
    path: ["agent", "maxConsecutiveToolFailures"],
    kind: "number",
  },
  {
    variable: "BEHALF_TURN_DEADLINE_SECONDS",
    path: ["agent", "turnDeadlineSeconds"],
    kind: "number",
  },
  {
    variable: "BEHALF_GENIE_QUESTIONS_PER_MINUTE",
    path: ["genie", "questionsPerMinute"],
    kind: "number",
  },
  // These describe the first tool of each kind; Databricks Apps inject resource ids this way.
  {
    variable: "BEHALF_GENIE_SPACE_ID",
    path: ["tools", "genie", 0, "spaceId"],
    kind: "text",
  },
  {
    variable: "BEHALF_GENIE_DESCRIPTION",
    path: ["tools", "genie", 0, "description"],
    kind: "text",
  },
  {
    variable: "BEHALF_SQL_WAREHOUSE_ID",
    path: ["tools", "sql", 0, "warehouseId"],
    kind: "text",
  },
  {
    variable: "BEHALF_SQL_DESCRIPTION",
    path: ["tools", "sql", 0, "description"],
    kind: "text",
  },
  {
    variable: "BEHALF_USER_API_SCOPES",
    path: ["app", "userApiScopes"],
    kind: "list",
  },
];

/** Tool kinds whose first entry environment variables may create, with the name it gets. */
const defaultToolNames: Record<string, string> = { genie: "genie", sql: "sql" };

/** Origins of the settings that did not come from the file, keyed by dotted path. */
export type SettingOrigins = Map<string, string>;

function readSetting(setting: EnvironmentSetting, text: string): unknown {
  if (setting.kind === "list") {
    // Space- or comma-separated, as OAuth writes scopes and as lists are usually typed.
    return text.split(/[\s,]+/).filter((item) => item.length > 0);
  }
  if (setting.kind === "number") {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new ConfigError(
        `${setting.variable}=${JSON.stringify(text)} is not a number. Set it to a number or unset it.`,
      );
    }
    return value;
  }
  return text;
}

function setAtPath(
  root: Record<string, unknown>,
  path: ConfigPath,
  value: unknown,
): void {
  let node: Record<string | number, unknown> = root;
  for (const [index, key] of path.slice(0, -1).entries()) {
    const nextKey = path[index + 1];
    const existing = node[key];
    if (
      typeof nextKey === "number"
        ? !Array.isArray(existing)
        : !isPlainObject(existing)
    ) {
      node[key] = typeof nextKey === "number" ? [] : {};
    }
    node = node[key] as Record<string | number, unknown>;
  }
  node[path.at(-1) as string | number] = value;
}

/**
 * Applies environment overrides to raw config values and records which variable set
 * each setting, so a validation error can name the variable instead of the file.
 */
export function applyEnvironment(
  raw: unknown,
  environment: Environment,
  origins: SettingOrigins = new Map(),
): unknown {
  const config = structuredClone(isPlainObject(raw) ? raw : {});

  for (const setting of environmentSettings) {
    const text = environment[setting.variable];
    if (text === undefined || text === "") {
      continue;
    }
    setAtPath(config, setting.path, readSetting(setting, text));
    origins.set(formatPath(setting.path), `${setting.variable} (environment)`);
  }

  const tools = isPlainObject(config.tools) ? config.tools : {};
  for (const [kind, name] of Object.entries(defaultToolNames)) {
    const first = Array.isArray(tools[kind])
      ? (tools[kind] as unknown[])[0]
      : undefined;
    if (isPlainObject(first) && first.name === undefined) {
      first.name = name;
    }
  }
  return config;
}

/** Validates config values; every problem is listed at once with its path. */
export function parseConfig(
  raw: unknown,
  source: string,
  origins: SettingOrigins = new Map(),
): BehalfConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(
      (path) => originOf(path, origins) ?? source,
      result.error.issues,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`, {
      details: { problems: lines },
    });
  }
  const names = new Set<string>();
  const { genie, sql } = result.data.tools;
  const namedTools = [
    ...genie.map((tool, index) => ({ path: `genie[${index}]`, tool })),
    ...sql.map((tool, index) => ({ path: `sql[${index}]`, tool })),
  ];
  for (const { path, tool } of namedTools) {
    if (names.has(tool.name)) {
      throw new ConfigError(
        `${source}: tools.${path}.name: the tool name "${tool.name}" is used twice. Give each tool its own name.`,
      );
    }
    names.add(tool.name);
  }
  return result.data;
}

export interface LoadConfigOptions {
  /** Config file path; without one, only the environment and `overrides` apply. */
  path?: string;
  environment?: Environment;
  /** Values that win over the file and the environment (set by CLI flags). */
  overrides?: BehalfConfigInput | Record<string, unknown>;
}

/** Loads the file, applies the environment and then `overrides`, and validates the result. */
export async function loadConfig(
  options: LoadConfigOptions = {},
): Promise<BehalfConfig> {
  const raw =
    options.path === undefined ? {} : await readConfigFile(options.path);
  const origins: SettingOrigins = new Map();
  const withEnvironment = applyEnvironment(
    raw,
    options.environment ?? process.env,
    origins,
  );
  recordOrigins(options.overrides ?? {}, [], "command-line option", origins);
  const merged = mergeDeep(withEnvironment, options.overrides ?? {});
  return parseConfig(merged, options.path ?? "configuration", origins);
}

/** Returns the origin of the setting at `path`, or of the closest enclosing setting that has one. */
function originOf(
  path: readonly PropertyKey[],
  origins: SettingOrigins,
): string | undefined {
  for (let length = path.length; length > 0; length--) {
    const origin = origins.get(formatPath(path.slice(0, length)));
    if (origin !== undefined) {
      return origin;
    }
  }
  return undefined;
}

function recordOrigins(
  value: unknown,
  path: PropertyKey[],
  origin: string,
  origins: SettingOrigins,
): void {
  if (!isPlainObject(value)) {
    if (value !== undefined && path.length > 0) {
      origins.set(formatPath(path), origin);
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    recordOrigins(item, [...path, key], origin, origins);
  }
}

function mergeDeep(base: unknown, extra: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(extra)) {
    return extra === undefined ? base : extra;
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) {
      merged[key] = mergeDeep(base[key], value);
    }
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
