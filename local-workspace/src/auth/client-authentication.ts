import { createHash, timingSafeEqual } from "node:crypto";

/** Compares secrets in constant time. Hashing first makes the lengths equal. */
export function secretsMatch(expected: string, actual: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ClientAuthenticationFailure {
  status: 400 | 401;
  error: "invalid_request" | "invalid_client";
  description: string;
}

function missingClient(description: string): ClientAuthenticationFailure {
  return { status: 401, error: "invalid_client", description };
}

/**
 * Reads client credentials from HTTP Basic authentication or the form fields
 * `client_id` and `client_secret`. Returns a failure when they are missing, malformed
 * or sent both ways.
 */
export function readClientCredentials(
  authorization: string | undefined,
  form: URLSearchParams,
): ClientCredentials | ClientAuthenticationFailure {
  const formId = form.get("client_id");
  const formSecret = form.get("client_secret");
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "")?.[1];

  if (basic !== undefined && formSecret !== null) {
    return {
      status: 400,
      error: "invalid_request",
      description:
        "Client credentials were sent both in the Authorization header and in the form body; send them one way only.",
    };
  }
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const separator = decoded.indexOf(":");
    if (separator === -1) {
      return missingClient(
        "The Basic credentials are not of the form base64(client_id:client_secret).",
      );
    }
    let credentials: ClientCredentials;
    try {
      // RFC 6749 section 2.3.1 form-encodes the id and secret before base64.
      credentials = {
        clientId: decodeURIComponent(decoded.slice(0, separator)),
        clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
      };
    } catch {
      return missingClient(
        "The Basic credentials contain invalid percent-encoding.",
      );
    }
    // Some clients repeat client_id in the form next to Basic credentials; that is
    // harmless unless the two ids differ.
    if (formId !== null && formId !== credentials.clientId) {
      return {
        status: 400,
        error: "invalid_request",
        description: `The form's client_id "${formId}" differs from the client id in the Authorization header; send one client id.`,
      };
    }
    return credentials;
  }
  if (formId === null || formSecret === null) {
    return missingClient(
      "Client authentication is missing: send client_id and client_secret by HTTP Basic authentication or as form fields.",
    );
  }
  return { clientId: formId, clientSecret: formSecret };
}
