import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { join } from "node:path";

export const repositoryRoot = join(import.meta.dirname, "..", "..");

/** Arguments that run the CLI from source, as `npm run behalf --` does. */
const cliCommand = ["--import", "tsx", join("src", "cli", "main.ts")];

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ProcessOptions {
  /** Variables added to the child's environment; `undefined` removes one. */
  environment?: Record<string, string | undefined>;
  /** The child is killed, and the wait rejected, after this long. */
  timeoutMilliseconds?: number;
}

/**
 * Builds the child's environment from this process's, without the BEHALF_ and
 * DATABRICKS_ variables of the machine running the tests, so that a developer's own
 * settings (BEHALF_URL, DATABRICKS_HOST, ...) cannot change a test's result. Logs are
 * silenced unless the test asks for them.
 */
function childEnvironment(
  overrides: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("BEHALF_") && !name.startsWith("DATABRICKS_")) {
      environment[name] = value;
    }
  }
  environment.BEHALF_LOG_LEVEL = "silent";
  environment.LOCAL_WORKSPACE_LOG_LEVEL = "silent";
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete environment[name];
    } else {
      environment[name] = value;
    }
  }
  return environment;
}

/** A child process started from the repository root, with its output collected as it arrives. */
export class RunningProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<ProcessResult>;
  readonly #outputListeners = new Set<() => void>();

  constructor(command: string, args: string[], options: ProcessOptions = {}) {
    this.child = spawn(command, args, {
      cwd: repositoryRoot,
      env: childEnvironment(options.environment),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
      for (const listener of this.#outputListeners) {
        listener();
      }
    });
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (exitCode, signal) => {
        for (const listener of this.#outputListeners) {
          listener();
        }
        resolve({
          exitCode,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
        });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves with the standard output once it contains `text`. Rejects, with the output
   * so far, when the process exits first or `timeoutMilliseconds` pass.
   */
  waitForOutput(text: string, timeoutMilliseconds = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.stdout.includes(text)) {
          finish();
          resolve(this.stdout);
        } else if (!this.running) {
          finish();
          reject(
            this.#failure(`exited before printing ${JSON.stringify(text)}`),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          this.#failure(
            `printed no ${JSON.stringify(text)} within ${timeoutMilliseconds} ms`,
          ),
        );
      }, timeoutMilliseconds);
      const finish = () => {
        clearTimeout(timer);
        this.#outputListeners.delete(check);
      };
      this.#outputListeners.add(check);
      check();
    });
  }

  /** Sends `signal` and waits for the exit; kills the process when it outlives `timeoutMilliseconds`. */
  async stop(
    signal: NodeJS.Signals,
    timeoutMilliseconds = 15_000,
  ): Promise<ProcessResult> {
    if (this.running) {
      this.child.kill(signal);
    }
    return this.#waitForExit(timeoutMilliseconds, `did not exit on ${signal}`);
  }

  /** Waits for the exit; kills the process when it outlives `timeoutMilliseconds`. */
  async result(timeoutMilliseconds = 30_000): Promise<ProcessResult> {
    return this.#waitForExit(timeoutMilliseconds, "did not exit");
  }

  async #waitForExit(
    timeoutMilliseconds: number,
    problem: string,
  ): Promise<ProcessResult> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(this.#failure(`${problem} within ${timeoutMilliseconds} ms`));
      }, timeoutMilliseconds);
    });
    try {
      return await Promise.race([this.exited, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #failure(problem: string): Error {
    return new Error(
      `${this.child.spawnargs.join(" ")} ${problem}.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
    );
  }
}

/** Starts `behalf ARGS` from source and returns at once, for long-running commands. */
export function startCli(
  args: string[],
  options: ProcessOptions = {},
): RunningProcess {
  return new RunningProcess(
    process.execPath,
    [...cliCommand, ...args],
    options,
  );
}

/** Runs `behalf ARGS` from source to its exit. */
export function runCli(
  args: string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return startCli(args, options).result(options.timeoutMilliseconds);
}

/** Runs one shell command line from the repository root, as a user would paste it. */
export function runShellCommand(
  commandLine: string,
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return new RunningProcess("/bin/sh", ["-c", commandLine], options).result(
    options.timeoutMilliseconds,
  );
}

/**
 * Returns a port on 127.0.0.1 that was free a moment ago and has nothing listening on
 * it now, for tests that need a connection to be refused.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error("The test server has no TCP address.");
  }
  return address.port;
}

/** Returns whether something accepts TCP connections on the port of `url`. */
export function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
