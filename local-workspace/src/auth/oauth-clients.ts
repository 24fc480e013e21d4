import type { WorkspaceDefinition } from "../contracts.js";
import {
  readClientCredentials,
  secretsMatch,
} from "./client-authentication.js";
import { type OAuthFailure, oauthFailure } from "./oauth-errors.js";

/** Public client id the Databricks CLI and SDKs use for user sign-in (U2M). */
export const databricksCliClientId = "databricks-cli";

/** Redirect URI the Databricks CLI and SDKs listen on during sign-in. */
export const databricksCliRedirectUri = "http://localhost:8020";

/** An OAuth client registered with the workspace. */
export interface OAuthClient {
  clientId: string;
  displayName: string;
  /** Absent for public clients, which cannot keep a secret and must use PKCE. */
  clientSecret?: string;
  /** Redirect URIs the authorization endpoint may send this client's codes to. */
  redirectUris: string[];
}

const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);

function parseAbsoluteUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Returns true when `candidate` matches `registered`. Matching is exact, except that a
 * loopback http URI matches on any port, as RFC 8252 section 7.3 requires for native
 * apps that pick a free port at sign-in.
 */
export function redirectUriMatches(
  registered: string,
  candidate: string,
): boolean {
  const expected = parseAbsoluteUrl(registered);
  const actual = parseAbsoluteUrl(candidate);
  if (expected === undefined || actual === undefined) {
    return false;
  }

  const samePlace =
    expected.protocol === actual.protocol &&
    expected.hostname === actual.hostname &&
    expected.pathname === actual.pathname &&
    expected.search === actual.search &&
    actual.hash === "" &&
    actual.username === "" &&
    actual.password === "";
  if (!samePlace) {
    return false;
  }
  const anyPort =
    expected.protocol === "http:" && loopbackHosts.has(expected.hostname);
  return anyPort || expected.port === actual.port;
}

/**
 * The workspace's OAuth clients: every service principal of the definition as a
 * confidential client, and the Databricks CLI's public client. Redirect URIs are added
 * at run time, the way an app's URL is registered when the app is created.
 */
export class OAuthClientRegistry {
  readonly #clients = new Map<string, OAuthClient>();

  constructor(definition: WorkspaceDefinition) {
    for (const servicePrincipal of definition.servicePrincipals) {
      this.#clients.set(servicePrincipal.applicationId, {
        clientId: servicePrincipal.applicationId,
        displayName: servicePrincipal.displayName,
        clientSecret: servicePrincipal.clientSecret,
        redirectUris: [],
      });
    }
    this.#clients.set(databricksCliClientId, {
      clientId: databricksCliClientId,
      displayName: "Databricks CLI",
      redirectUris: [databricksCliRedirectUri],
    });
  }

  find(clientId: string): OAuthClient | undefined {
    return this.#clients.get(clientId);
  }

  /** Allows `redirectUri` for `clientId`. Throws when either is invalid. */
  registerRedirectUri(clientId: string, redirectUri: string): void {
    const client = this.#clients.get(clientId);
    if (client === undefined) {
      throw new Error(
        `Cannot register a redirect URI for '${clientId}': it is not an OAuth client of this workspace. Use a service principal's application id.`,
      );
    }
    const url = parseAbsoluteUrl(redirectUri);
    if (
      url === undefined ||
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      url.hash !== ""
    ) {
      throw new Error(
        `The redirect URI "${redirectUri}" is not an absolute http or https URL without a fragment.`,
      );
    }
    if (!client.redirectUris.includes(redirectUri)) {
      client.redirectUris.push(redirectUri);
    }
  }

  allowsRedirectUri(client: OAuthClient, redirectUri: string): boolean {
    return client.redirectUris.some((registered) =>
      redirectUriMatches(registered, redirectUri),
    );
  }

  /**
   * Authenticates the client of a token request. Confidential clients send their secret
   * by HTTP Basic or as the form field `client_secret`. Public clients send only
   * `client_id`, which identifies them without proving anything, so grants that need
   * proof check `clientSecret` themselves.
   */
  authenticate(
    authorization: string | undefined,
    form: URLSearchParams,
  ): OAuthClient | OAuthFailure {
    const sendsSecret =
      /^Basic\s/i.test(authorization ?? "") || form.has("client_secret");

    if (!sendsSecret) {
      const clientId = form.get("client_id");
      if (clientId === null) {
        return oauthFailure(
          "invalid_client",
          "Client authentication is missing: send client_id and client_secret by HTTP Basic authentication or as form fields, or client_id alone for a public client.",
        );
      }
      const client = this.#clients.get(clientId);
      if (client === undefined) {
        return oauthFailure(
          "invalid_client",
          `Unknown client_id "${clientId}"; use a service principal's application id or ${databricksCliClientId}.`,
        );
      }
      if (client.clientSecret !== undefined) {
        return oauthFailure(
          "invalid_client",
          `The client "${clientId}" is confidential: send its client_secret by HTTP Basic authentication or as a form field.`,
        );
      }
      return client;
    }

    const credentials = readClientCredentials(authorization, form);
    if ("error" in credentials) {
      return credentials;
    }
    const client = this.#clients.get(credentials.clientId);
    if (
      client?.clientSecret === undefined ||
      !secretsMatch(client.clientSecret, credentials.clientSecret)
    ) {
      return oauthFailure(
        "invalid_client",
        "Client authentication failed: unknown client_id or wrong client_secret.",
      );
    }
    return client;
  }
}
