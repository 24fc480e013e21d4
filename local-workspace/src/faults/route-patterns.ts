/**
 * Route patterns for faults: `METHOD /path` where `*` matches one path segment (or
 * part of one) and `**` any number of segments, or a named alias such as
 * `genie.get-message`. The method may be `*` or left out to match every method.
 */

/** Named patterns for the routes tests most often break. */
export const routeAliases: Readonly<Record<string, string>> = {
  "genie.start-conversation": "POST /api/2.0/genie/spaces/*/start-conversation",
  "genie.create-message":
    "POST /api/2.0/genie/spaces/*/conversations/*/messages",
  "genie.get-message": "GET /api/2.0/genie/spaces/*/conversations/*/messages/*",
  "genie.list-messages": "GET /api/2.0/genie/spaces/*/conversations/*/messages",
  "genie.query-result":
    "GET /api/2.0/genie/spaces/*/conversations/*/messages/*/attachments/*/query-result",
  "genie.execute-query":
    "POST /api/2.0/genie/spaces/*/conversations/*/messages/*/attachments/*/execute-query",
  "genie.any": "* /api/2.0/genie/**",
  "oauth.token": "POST /oidc/v1/token",
  "scim.me": "GET /api/2.0/preview/scim/v2/Me",
  "serving.chat-completions": "POST /serving-endpoints/chat/completions",
  "serving.invocations": "POST /serving-endpoints/*/invocations",
};

export interface RoutePattern {
  /** The pattern as written, for listing active faults. */
  source: string;
  /** Upper-case method, or undefined for every method. */
  method: string | undefined;
  path: RegExp;
}

/** Thrown for a pattern that is neither an alias nor `METHOD /path`. */
export class InvalidRoutePatternError extends Error {
  constructor(pattern: string) {
    super(
      `Invalid route pattern '${pattern}': write 'METHOD /path' with * for one segment and ** for any number of segments, or one of the names ${Object.keys(routeAliases).join(", ")}.`,
    );
    this.name = "InvalidRoutePatternError";
  }
}

export function compileRoutePattern(source: string): RoutePattern {
  const expanded = routeAliases[source] ?? source;
  const match = /^\s*(?:([A-Za-z]+|\*)\s+)?(\/\S*)\s*$/.exec(expanded);
  const path = match?.[2];
  if (!match || path === undefined) {
    throw new InvalidRoutePatternError(source);
  }
  const method = match[1];

  const segments = path.replace(/\/+$/, "").split("/").slice(1);
  const body = segments
    .map((segment) =>
      segment === "**"
        ? "(?:/[^/]+)*"
        : `/${segment
            .split("*")
            .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^/]*")}`,
    )
    .join("");
  return {
    source,
    method:
      method === undefined || method === "*" ? undefined : method.toUpperCase(),
    path: new RegExp(`^${body}/?$`),
  };
}

export function matchesRoute(
  pattern: RoutePattern,
  method: string,
  path: string,
): boolean {
  if (pattern.method !== undefined && pattern.method !== method.toUpperCase()) {
    return false;
  }
  return pattern.path.test(path);
}
