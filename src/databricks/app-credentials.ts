import {
  AuthenticationError,
  ConfigError,
  UpstreamUnavailableError,
} from "../errors/errors.js";
import { moduleLogger } from "../logging/logger.js";
import { readErrorBody } from "./error-mapping.js";

const logger = moduleLogger("app-credentials");

/**
 * The app's own identity (the service principal), used for the model endpoint and
 * never for user data. `authorization()` returns a current `Authorization` header value.
 */
export interface AppCredentials {
  readonly kind: "token" | "oauth-client-credentials";
  authorization(): Promise<string>;
}

export interface AppCredentialSettings {
  host: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  fetch?: typeof fetch;
}

/** Reads the app identity from `DATABRICKS_TOKEN` or `DATABRICKS_CLIENT_ID` + `DATABRICKS_CLIENT_SECRET`. */
export function appCredentialSettingsFromEnvironment(
  host: string,
  environment: Record<string, string | undefined>,
): AppCredentialSettings {
  return {
    host,
    token: environment.DATABRICKS_TOKEN || undefined,
    clientId: environment.DATABRICKS_CLIENT_ID || undefined,
    clientSecret: environment.DATABRICKS_CLIENT_SECRET || undefined,
  };
}

/** Picks the credential kind from the settings: a token first, then an OAuth client. */
export function createAppCredentials(
  settings: AppCredentialSettings,
): AppCredentials {
  if (settings.token !== undefined) {
    const header = `Bearer ${settings.token}`;
    return { kind: "token", authorization: async () => header };
  }
  if (settings.clientId !== undefined && settings.clientSecret !== undefined) {
    return new ClientCredentialsToken(
      settings.host,
      settings.clientId,
      settings.clientSecret,
      settings.fetch,
    );
  }
  if (settings.clientId !== undefined || settings.clientSecret !== undefined) {
    const missing =
      settings.clientId === undefined
        ? "DATABRICKS_CLIENT_ID"
        : "DATABRICKS_CLIENT_SECRET";
    throw new ConfigError(
      `${missing} is missing. Set both DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET.`,
    );
  }
  throw new ConfigError(
    "No app credentials: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET " +
      "(Databricks Apps sets the latter two for the app's service principal).",
  );
}

/**
 * Refresh this long before expiry. Databricks rejects tokens that expire within about
 * 30 s, and WorkspaceClient does not send one that expires within 60 s.
 */
const refreshMarginMilliseconds = 60_000;

/**
 * OAuth machine-to-machine token for the app's service principal. The token is cached
 * until shortly before it expires, and concurrent callers share one refresh.
 */
class ClientCredentialsToken implements AppCredentials {
  readonly kind = "oauth-client-credentials" as const;
  readonly #tokenUrl: string;
  readonly #basic: string;
  readonly #fetch: typeof fetch;
  #cached: { header: string; expiresAt: number } | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(
    host: string,
    clientId: string,
    clientSecret: string,
    fetchImplementation?: typeof fetch,
  ) {
    this.#tokenUrl = `${host}/oidc/v1/token`;
    this.#basic = Buffer.from(
      `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
    ).toString("base64");
    this.#fetch = fetchImplementation ?? fetch;
  }

  authorization(): Promise<string> {
    if (
      this.#cached !== undefined &&
      Date.now() < this.#cached.expiresAt - refreshMarginMilliseconds
    ) {
      return Promise.resolve(this.#cached.header);
    }
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<string> {
    let response: Response;
    try {
      response = await this.#fetch(this.#tokenUrl, {
        method: "POST",
        headers: {
          Authorization: `Basic ${this.#basic}`,
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          scope: "all-apis",
        }),
      });
    } catch (error) {
      throw new UpstreamUnavailableError(
        `Could not reach ${this.#tokenUrl} for the app's OAuth token: ${(error as Error).message}.`,
        { cause: error },
      );
    }

    const text = await response.text();
    if (!response.ok) {
      const fields = readErrorBody(text);
      const problem = `${fields.errorCode ?? `HTTP ${response.status}`}: ${fields.message}`;
      if (response.status === 400 || response.status === 401) {
        throw new AuthenticationError(
          `The workspace rejected the app's client credentials (${problem}). Check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET.`,
        );
      }
      throw new UpstreamUnavailableError(
        `The app's OAuth token request failed (${problem}).`,
      );
    }

    const body = JSON.parse(text) as {
      access_token?: string;
      expires_in?: number | string;
    };
    if (typeof body.access_token !== "string") {
      throw new UpstreamUnavailableError(
        `The token endpoint ${this.#tokenUrl} returned no access_token.`,
      );
    }
    const lifetimeSeconds = Number(body.expires_in ?? 3600);
    this.#cached = {
      header: `Bearer ${body.access_token}`,
      expiresAt: Date.now() + lifetimeSeconds * 1000,
    };
    logger.info(
      { expiresInSeconds: lifetimeSeconds },
      "obtained app OAuth token",
    );
    return this.#cached.header;
  }
}
