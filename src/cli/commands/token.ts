import type { Command } from "commander";
import {
  UpstreamError,
  UpstreamUnavailableError,
} from "../../errors/errors.js";
import { wholeNumber } from "../option-parsers.js";

export const defaultLocalWorkspaceUrl =
  process.env.BEHALF_LOCAL_WORKSPACE_URL ?? "http://127.0.0.1:8001";

/** Signs a demo user in to the local workspace and returns their access token. */
export async function fetchLocalUserToken(
  workspaceUrl: string,
  userName: string,
  options: { scopes?: string[]; lifetimeSeconds?: number } = {},
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(new URL("/local/api/tokens", workspaceUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        userName,
        scopes: options.scopes,
        lifetimeSeconds: options.lifetimeSeconds,
      }),
    });
  } catch (error) {
    throw new UpstreamUnavailableError(
      `Cannot reach the local workspace at ${workspaceUrl} (${(error as Error).message}). ` +
        "Start it with `npm start`, or pass --workspace with its URL.",
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // Keep the raw body.
    }
    throw new UpstreamError(
      `The local workspace rejected the token request for ${userName}: ${message}`,
    );
  }
  return (JSON.parse(text) as { access_token: string }).access_token;
}

export function registerTokenCommand(program: Command): void {
  program
    .command("token")
    .description(
      "Print a user token from the local workspace, for curl and other clients.",
    )
    .requiredOption(
      "--as <email>",
      "demo user to sign in as, e.g. alice@example.com",
    )
    .option(
      "--workspace <url>",
      "local workspace URL",
      defaultLocalWorkspaceUrl,
    )
    .option(
      "--scopes <scopes>",
      "space-separated OAuth scopes (default all-apis)",
    )
    .option(
      "--lifetime <seconds>",
      "token lifetime in seconds, 61 to 86400 (behalf refuses tokens that expire within 60 s)",
      wholeNumber("--lifetime", 61, 86_400),
    )
    .action(
      async (options: {
        as: string;
        workspace: string;
        scopes?: string;
        lifetime?: number;
      }) => {
        const token = await fetchLocalUserToken(options.workspace, options.as, {
          scopes: options.scopes
            ?.split(/\s+/)
            .filter((scope) => scope.length > 0),
          lifetimeSeconds: options.lifetime,
        });
        process.stdout.write(`${token}\n`);
      },
    );
}
