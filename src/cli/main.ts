#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { BehalfError } from "../errors/errors.js";
import { setLogLevel } from "../logging/logger.js";
import { registerAskCommand } from "./commands/ask.js";
import { registerDevCommand } from "./commands/dev.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerTokenCommand } from "./commands/token.js";
import { projectRoot } from "./project-root.js";

const packageJson = JSON.parse(
  readFileSync(join(projectRoot(), "package.json"), "utf8"),
) as { version: string };

const program = new Command()
  .name("behalf")
  .version(packageJson.version, "-V, --version", "print the version")
  .description(
    "An agent server for Databricks whose tools act as the user who asked.",
  )
  .option(
    "--log-level <level>",
    "log level: trace, debug, info, warn, error or silent (default BEHALF_LOG_LEVEL or info)",
  )
  .hook("preAction", (command) => {
    const level = command.opts<{ logLevel?: string }>().logLevel;
    if (level !== undefined) {
      setLogLevel(level);
    }
  });

// A reader that stops early (`behalf ask ... | head`) closes the pipe; that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") {
    process.exit(0);
  }
  throw error;
});

registerDevCommand(program);
registerServeCommand(program);
registerAskCommand(program);
registerTokenCommand(program);

try {
  await program.parseAsync();
} catch (error) {
  const message = BehalfError.isInstance(error)
    ? `${error.code}: ${error.message}`
    : describeStartError(error);
  process.stderr.write(`behalf: ${message}\n`);
  process.exitCode = 1;
}

/** Says what to do about errors thrown while starting servers, such as a port in use. */
function describeStartError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    const address = (error as { address?: string; port?: number }) ?? {};
    return (
      `Port ${address.port ?? ""} on ${address.address ?? "this host"} is already in use, by another behalf or another program. ` +
      "Stop it, or choose other ports (behalf dev: --port, --workspace-port, --front-door-port; behalf serve: --port)."
    );
  }
  return String(error);
}
