#!/usr/bin/env node
import { Command } from "commander";
import { BehalfError } from "../errors/errors.js";
import { setLogLevel } from "../logging/logger.js";
import { registerAskCommand } from "./commands/ask.js";
import { registerDevCommand } from "./commands/dev.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerTokenCommand } from "./commands/token.js";

const program = new Command()
  .name("behalf")
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

registerDevCommand(program);
registerServeCommand(program);
registerAskCommand(program);
registerTokenCommand(program);

try {
  await program.parseAsync();
} catch (error) {
  const message = BehalfError.isInstance(error)
    ? `${error.code}: ${error.message}`
    : String(error);
  process.stderr.write(`behalf: ${message}\n`);
  process.exitCode = 1;
}
