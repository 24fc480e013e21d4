import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors/errors.js";
import { formatIssues } from "./format-issues.js";
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

/**
 * Applies environment overrides to raw config values. Each variable replaces one
 * setting, so a deployment can change the endpoint or prompt without a new file.
 */
export function applyEnvironment(
  raw: unknown,
  environment: Environment,
): unknown {
  const config = structuredClone(isPlainObject(raw) ? raw : {});
  const section = (name: string): Record<string, unknown> => {
    if (!isPlainObject(config[name])) {
      config[name] = {};
    }
    return config[name] as Record<string, unknown>;
  };

  const numberFrom = (variable: string): number | undefined => {
    const text = environment[variable];
    if (text === undefined || text === "") {
      return undefined;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw new ConfigError(
        `${variable}=${JSON.stringify(text)} is not a number. Set it to a number or unset it.`,
      );
    }
    return value;
  };

  const set = (sectionName: string, key: string, value: unknown): void => {
    if (value !== undefined && value !== "") {
      section(sectionName)[key] = value;
    }
  };

  set("workspace", "host", environment.DATABRICKS_HOST);
  set("server", "hostname", environment.BEHALF_HOSTNAME);
  set(
    "server",
    "port",
    numberFrom("DATABRICKS_APP_PORT") ?? numberFrom("BEHALF_PORT"),
  );
  set("server", "mode", environment.BEHALF_MODE);
  set("llm", "endpoint", environment.BEHALF_LLM_ENDPOINT);
  set("llm", "temperature", numberFrom("BEHALF_TEMPERATURE"));
  set("llm", "maxTokens", numberFrom("BEHALF_MAX_TOKENS"));
  set("agent", "systemPrompt", environment.BEHALF_SYSTEM_PROMPT);
  set("agent", "maxSteps", numberFrom("BEHALF_MAX_STEPS"));

  const spaceId = environment.BEHALF_GENIE_SPACE_ID;
  const description = environment.BEHALF_GENIE_DESCRIPTION;
  if (spaceId || description) {
    // The variables describe the first Genie tool; one is created when the file has none.
    const tools = section("tools");
    if (!Array.isArray(tools.genie)) {
      tools.genie = [];
    }
    const genieTools = tools.genie as unknown[];
    if (!isPlainObject(genieTools[0])) {
      genieTools[0] = { name: "genie" };
    }
    const first = genieTools[0] as Record<string, unknown>;
    if (spaceId) {
      first.spaceId = spaceId;
    }
    if (description) {
      first.description = description;
    }
  }
  return config;
}

/** Validates config values; every problem is listed at once with its path. */
export function parseConfig(raw: unknown, source: string): BehalfConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(source, result.error.issues);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`, {
      details: { problems: lines },
    });
  }
  const names = new Set<string>();
  for (const [index, tool] of result.data.tools.genie.entries()) {
    if (names.has(tool.name)) {
      throw new ConfigError(
        `${source}: tools.genie[${index}].name: the tool name "${tool.name}" is used twice. Give each tool its own name.`,
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
  const withEnvironment = applyEnvironment(
    raw,
    options.environment ?? process.env,
  );
  const merged = mergeDeep(withEnvironment, options.overrides ?? {});
  return parseConfig(merged, options.path ?? "configuration");
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
