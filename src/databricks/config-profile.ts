import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors/errors.js";

/** The fields of a `~/.databrickscfg` profile that behalf reads. */
export interface ConfigProfile {
  /** Profile (section) name, e.g. `DEFAULT`. */
  name: string;
  /** File the profile came from. */
  path: string;
  host?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
}

/**
 * Parses the INI text of a Databricks configuration file into sections of lower-case
 * keys. Lines starting with `#` or `;` are comments, and keys may be separated from
 * values by `=` or `:`, as Python's configparser (which the Databricks SDKs use) allows.
 * Keys before the first section are ignored.
 */
export function parseConfigFile(
  text: string,
): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;

  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) {
      continue;
    }
    const section = /^\[(.+)\]$/.exec(line);
    if (section !== null) {
      const name = section[1]?.trim() ?? "";
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const separator = line.search(/[=:]/);
    if (current === undefined || separator <= 0) {
      continue;
    }
    const key = line.slice(0, separator).trim().toLowerCase();
    current.set(key, line.slice(separator + 1).trim());
  }
  return sections;
}

export interface ProfileLookup {
  environment: Record<string, string | undefined>;
  /** Directory holding `.databrickscfg` unless `DATABRICKS_CONFIG_FILE` names a file. */
  homeDirectory?: string;
}

/**
 * Reads the profile named by `DATABRICKS_CONFIG_PROFILE` (default `DEFAULT`) from
 * `DATABRICKS_CONFIG_FILE` (default `~/.databrickscfg`). Returns undefined when neither
 * variable is set and the file or the DEFAULT profile does not exist; when a variable
 * names a file or profile that does not exist, throws a ConfigError naming it.
 */
export async function readConfigProfile(
  lookup: ProfileLookup,
): Promise<ConfigProfile | undefined> {
  const environment = lookup.environment;
  const namedFile = nonEmpty(environment.DATABRICKS_CONFIG_FILE);
  const namedProfile = nonEmpty(environment.DATABRICKS_CONFIG_PROFILE);
  const path =
    namedFile ?? join(lookup.homeDirectory ?? homedir(), ".databrickscfg");
  const name = namedProfile ?? "DEFAULT";

  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    if (missing && namedFile === undefined && namedProfile === undefined) {
      return undefined;
    }
    throw new ConfigError(
      `Cannot read the Databricks configuration file ${path}${namedFile ? " (DATABRICKS_CONFIG_FILE)" : ""}: ${(error as Error).message}. ` +
        "Create it with `databricks configure`, or unset DATABRICKS_CONFIG_FILE and DATABRICKS_CONFIG_PROFILE.",
      { cause: error },
    );
  }

  const sections = parseConfigFile(text);
  const section = sections.get(name);
  if (section === undefined) {
    if (namedProfile === undefined) {
      return undefined;
    }
    const available = [...sections.keys()];
    throw new ConfigError(
      `The profile ${name} (DATABRICKS_CONFIG_PROFILE) is not in ${path}; ` +
        `${available.length > 0 ? `it has ${available.join(", ")}` : "it has no profiles"}. Set DATABRICKS_CONFIG_PROFILE to one of them.`,
    );
  }

  const profile: ConfigProfile = { name, path };
  const fields = [
    ["host", "host"],
    ["token", "token"],
    ["client_id", "clientId"],
    ["client_secret", "clientSecret"],
  ] as const;
  for (const [key, field] of fields) {
    const value = nonEmpty(section.get(key));
    if (value !== undefined) {
      profile[field] = value;
    }
  }
  return profile;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
