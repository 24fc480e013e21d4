/** OAuth and SCIM calls the front door makes to the workspace, as the app's OAuth client. */

const tokenExchangeGrantType =
  "urn:ietf:params:oauth:grant-type:token-exchange";
const accessTokenType = "urn:ietf:params:oauth:token-type:access_token";

/**
 * Time limit of one workspace call. The local workspace responds in milliseconds, and a
 * stuck call should fail the request long before the front door's absolute cap.
 */
const workspaceCallTimeoutMilliseconds = 10_000;

/** Scopes the front door requests at sign-in, as the Databricks CLI does. */
export const signInScopes = "all-apis offline_access";

/** An access token from the workspace's token endpoint. */
export interface WorkspaceToken {
  accessToken: string;
  /** When the token expires, in epoch milliseconds. */
  expiresAt: number;
  scope: string;
  refreshToken?: string;
}

/** The signed-in user, from SCIM Me. */
export interface WorkspaceUser {
  /** SCIM id, sent as `X-Forwarded-User`. */
  id: string;
  userName: string;
  displayName: string;
  email: string;
}

/**
 * A failed workspace call. `oauthError` is the OAuth `error` code when the token
 * endpoint sent one; `status` is 0 when the workspace could not be reached.
 */
export class WorkspaceCallError extends Error {
  readonly status: number;
  readonly oauthError: string | undefined;

  constructor(message: string, status: number, oauthError?: string) {
    super(message);
    this.name = "WorkspaceCallError";
    this.status = status;
    this.oauthError = oauthError;
  }
}

export interface WorkspaceOAuthClientOptions {
  workspaceUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Calls the workspace's OAuth endpoints and SCIM Me for the front door. */
export class WorkspaceOAuthClient {
  readonly #workspaceUrl: string;
  readonly #clientId: string;
  readonly #basicCredentials: string;

  constructor(options: WorkspaceOAuthClientOptions) {
    this.#workspaceUrl = options.workspaceUrl;
    this.#clientId = options.clientId;
    // RFC 6749 section 2.3.1: form-encode id and secret, then base64 the pair.
    const pair = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
    this.#basicCredentials = Buffer.from(pair).toString("base64");
  }

  /** Returns the authorization endpoint URL that starts a sign-in with PKCE S256. */
  authorizationUrl(request: {
    redirectUri: string;
    state: string;
    codeChallenge: string;
  }): string {
    const parameters = new URLSearchParams({
      response_type: "code",
      client_id: this.#clientId,
      redirect_uri: request.redirectUri,
      scope: signInScopes,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: "S256",
    });
    return `${this.#workspaceUrl}/oidc/v1/authorize?${parameters}`;
  }

  redeemCode(
    code: string,
    codeVerifier: string,
    redirectUri: string,
  ): Promise<WorkspaceToken> {
    return this.#requestToken({
      grant_type: "authorization_code",
      code,
      code_verifier: codeVerifier,
      redirect_uri: redirectUri,
    });
  }

  refresh(refreshToken: string): Promise<WorkspaceToken> {
    return this.#requestToken({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
    });
  }

  /** Exchanges a user's token for one with only `scopes` (RFC 8693). */
  exchange(
    subjectToken: string,
    scopes: readonly string[],
  ): Promise<WorkspaceToken> {
    return this.#requestToken({
      grant_type: tokenExchangeGrantType,
      subject_token: subjectToken,
      subject_token_type: accessTokenType,
      requested_token_type: accessTokenType,
      scope: scopes.join(" "),
    });
  }

  /** Returns who `accessToken` belongs to. */
  async currentUser(accessToken: string): Promise<WorkspaceUser> {
    const response = await this.#fetch("/api/2.0/preview/scim/v2/Me", {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    const body = (await response.json().catch(() => ({}))) as {
      id?: string;
      userName?: string;
      displayName?: string;
      emails?: { value?: string; primary?: boolean }[];
      message?: string;
    };
    if (!response.ok || body.id === undefined || body.userName === undefined) {
      throw new WorkspaceCallError(
        `SCIM Me failed with HTTP ${response.status}: ${body.message ?? "no user in the response"}`,
        response.status,
      );
    }
    const email =
      body.emails?.find((candidate) => candidate.primary)?.value ??
      body.userName;
    return {
      id: body.id,
      userName: body.userName,
      displayName: body.displayName ?? body.userName,
      email,
    };
  }

  async #requestToken(fields: Record<string, string>): Promise<WorkspaceToken> {
    const response = await this.#fetch("/oidc/v1/token", {
      method: "POST",
      headers: {
        Authorization: `Basic ${this.#basicCredentials}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      scope?: string;
      refresh_token?: string;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || body.access_token === undefined) {
      throw new WorkspaceCallError(
        `The workspace token endpoint rejected grant_type=${fields.grant_type}: ${body.error ?? `HTTP ${response.status}`}: ${body.error_description ?? "no description"}`,
        response.status,
        body.error,
      );
    }
    return {
      accessToken: body.access_token,
      expiresAt: Date.now() + (body.expires_in ?? 0) * 1000,
      scope: body.scope ?? "",
      ...(body.refresh_token === undefined
        ? {}
        : { refreshToken: body.refresh_token }),
    };
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.#workspaceUrl}${path}`, {
        ...init,
        signal: AbortSignal.timeout(workspaceCallTimeoutMilliseconds),
      });
    } catch (error) {
      throw new WorkspaceCallError(
        `The workspace at ${this.#workspaceUrl} did not respond to ${path}: ${error instanceof Error ? error.message : String(error)}`,
        0,
      );
    }
  }
}
