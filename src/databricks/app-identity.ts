import { ConfigError } from "../errors/errors.js";
import {
  type AppCredentialSettings,
  appCredentialSettingsFromEnvironment,
  createAppCredentials,
} from "./app-credentials.js";
import { type ConfigProfile, readConfigProfile } from "./config-profile.js";
import { normalizeHost } from "./host.js";

/** The workspace and app credential settings found at start, and where they came from. */
export interface ResolvedAppIdentity {
  host: string;
  settings: AppCredentialSettings;
  /** Description of the credential's origin for the start-up log, never the credential itself. */
  source: string;
}

export interface AppIdentityLookup {
  /** `workspace.host` after `DATABRICKS_HOST` was applied, not yet normalised. */
  configuredHost: string | undefined;
  environment: Record<string, string | undefined>;
  /** Directory holding `.databrickscfg`; the user's home directory by default. */
  homeDirectory?: string;
}

/**
 * Finds the workspace host and the app's credentials in the order of Databricks unified
 * auth: `DATABRICKS_TOKEN`, then `DATABRICKS_CLIENT_ID` + `DATABRICKS_CLIENT_SECRET`
 * (which Databricks Apps injects for the app's service principal), then a profile of
 * `~/.databrickscfg`. The host is `workspace.host` or `DATABRICKS_HOST`, else the
 * profile's `host`. A missing or conflicting setting throws a ConfigError that names it.
 */
export async function resolveAppIdentity(
  lookup: AppIdentityLookup,
): Promise<ResolvedAppIdentity> {
  const environment = lookup.environment;
  const token = nonEmpty(environment.DATABRICKS_TOKEN);
  const clientId = nonEmpty(environment.DATABRICKS_CLIENT_ID);
  const clientSecret = nonEmpty(environment.DATABRICKS_CLIENT_SECRET);
  const configuredHost = nonEmpty(lookup.configuredHost);
  const fromEnvironment =
    token !== undefined || clientId !== undefined || clientSecret !== undefined;
  // The profile is read only when it may supply the credential or the host.
  const profile =
    fromEnvironment && configuredHost !== undefined
      ? undefined
      : await readConfigProfile({
          environment,
          homeDirectory: lookup.homeDirectory,
        });

  if (fromEnvironment) {
    const host = resolveHost(configuredHost, profile);
    const settings = appCredentialSettingsFromEnvironment(host, environment);
    // Reports a half-set client pair before anything else is tried.
    if (token === undefined) {
      createAppCredentials(settings);
    }
    return {
      host,
      settings,
      source:
        token !== undefined
          ? "DATABRICKS_TOKEN"
          : "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
    };
  }

  if (profile !== undefined) {
    return identityFromProfile(profile, configuredHost);
  }
  throw new ConfigError(
    "No app credentials: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET " +
      "(Databricks Apps sets the latter two for the app's service principal), or add a token or client_id " +
      "and client_secret to a ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE, default DEFAULT).",
  );
}

function identityFromProfile(
  profile: ConfigProfile,
  configuredHost: string | undefined,
): ResolvedAppIdentity {
  const where = `profile ${profile.name} of ${profile.path}`;
  if (
    profile.token === undefined &&
    (profile.clientId === undefined) !== (profile.clientSecret === undefined)
  ) {
    const missing =
      profile.clientId === undefined ? "client_id" : "client_secret";
    throw new ConfigError(
      `The ${where} has no ${missing}. Set both client_id and client_secret, or a token.`,
    );
  }
  if (profile.token === undefined && profile.clientId === undefined) {
    throw new ConfigError(
      `The ${where} has no token and no client_id and client_secret. Add one of them, or set DATABRICKS_TOKEN.`,
    );
  }

  const host = resolveHost(configuredHost, profile);
  if (profile.host !== undefined) {
    const profileHost = normalizeHost(profile.host, `host of the ${where}`);
    // A profile's credential belongs to its own workspace and must not go to another one.
    if (profileHost !== host) {
      throw new ConfigError(
        `The ${where} is for ${profileHost}, but the workspace is ${host} (workspace.host or DATABRICKS_HOST). ` +
          "Use a profile for that workspace, or unset DATABRICKS_HOST.",
      );
    }
  }
  return {
    host,
    settings: {
      host,
      ...(profile.token !== undefined
        ? { token: profile.token }
        : { clientId: profile.clientId, clientSecret: profile.clientSecret }),
    },
    source: `${profile.token !== undefined ? "token" : "client_id and client_secret"} of the ${where}`,
  };
}

function resolveHost(
  configuredHost: string | undefined,
  profile: ConfigProfile | undefined,
): string {
  if (configuredHost !== undefined) {
    return normalizeHost(
      configuredHost,
      "workspace host (workspace.host or DATABRICKS_HOST)",
    );
  }
  if (profile?.host !== undefined) {
    return normalizeHost(
      profile.host,
      `host of the profile ${profile.name} of ${profile.path}`,
    );
  }
  throw new ConfigError(
    "The workspace host is missing. Set DATABRICKS_HOST (or workspace.host in the config file) to the workspace URL, " +
      "or add host to the ~/.databrickscfg profile.",
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
