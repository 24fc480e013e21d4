import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort, repositoryRoot, runCli } from "./cli-process.js";

const exampleConfig = join(repositoryRoot, "examples", "behalf.config.yaml");

let temporaryFolder: string;
beforeAll(async () => {
  temporaryFolder = await mkdtemp(join(tmpdir(), "behalf-cli-usage-"));
});
afterAll(async () => {
  if (temporaryFolder !== undefined) {
    await rm(temporaryFolder, { recursive: true, force: true });
  }
});

describe("behalf serve config errors", () => {
  it("names the file and field of an invalid value", async () => {
    const path = join(temporaryFolder, "invalid-port.yaml");
    const config = readFileSync(exampleConfig, "utf8").replace(
      /^ {2}port: 8000$/m,
      "  port: 70000",
    );
    expect(config).toContain("port: 70000");
    await writeFile(path, config);

    const result = await runCli(["serve", "--config", path]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^behalf: INVALID_CONFIG: /);
    expect(result.stderr).toContain(`${path}: server.port`);
  });

  it("names the variable of an invalid value", async () => {
    const result = await runCli(["serve", "--config", exampleConfig], {
      environment: { BEHALF_TEMPERATURE: "-1" },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^behalf: INVALID_CONFIG: /);
    expect(result.stderr).toContain("BEHALF_TEMPERATURE");
    expect(result.stderr).toContain("llm.temperature");
    expect(result.stderr).not.toContain(exampleConfig);
  });

  it("names the variable of a value that is not a number", async () => {
    const result = await runCli(["serve", "--config", exampleConfig], {
      environment: { BEHALF_MAX_STEPS: "many" },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^behalf: INVALID_CONFIG: /);
    expect(result.stderr).toContain('BEHALF_MAX_STEPS="many"');
  });
});

describe("behalf help and version", () => {
  it("prints help for every command", async () => {
    const commands = [[], ["dev"], ["serve"], ["ask"], ["token"]];
    const results = await Promise.all(
      commands.map((command) => runCli([...command, "--help"])),
    );
    for (const [index, command] of commands.entries()) {
      const result = results[index];
      expect(result?.exitCode, command.join(" ")).toBe(0);
      expect(result?.stderr).toBe("");
      expect(result?.stdout).toContain(
        `Usage: behalf ${command.join(" ")}`.trim(),
      );
      expect(result?.stdout).toContain("--help");
    }
  });

  it("prints the package version", async () => {
    const { version } = JSON.parse(
      readFileSync(join(repositoryRoot, "package.json"), "utf8"),
    ) as { version: string };
    const result = await runCli(["--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});

describe("behalf token without a server", () => {
  it("rejects an invalid --lifetime", async () => {
    const lifetimes = ["soon", "0"];
    const results = await Promise.all(
      lifetimes.map((lifetime) =>
        runCli(["token", "--as", "alice@example.com", "--lifetime", lifetime]),
      ),
    );
    for (const [index, lifetime] of lifetimes.entries()) {
      const result = results[index];
      expect(result?.exitCode, lifetime).toBe(1);
      expect(result?.stdout).toBe("");
      expect(result?.stderr).toContain("--lifetime");
      expect(result?.stderr).toContain(JSON.stringify(lifetime));
    }
  });

  it("says how to start an unreachable workspace", async () => {
    const workspaceUrl = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli([
      "token",
      "--as",
      "alice@example.com",
      "--workspace",
      workspaceUrl,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^behalf: UPSTREAM_UNAVAILABLE: /);
    expect(result.stderr).toContain(workspaceUrl);
    expect(result.stderr).toContain("npm start");
    expect(result.stderr).toContain("--workspace");
  });
});

describe("behalf ask without a server", () => {
  it("says how to start an unreachable agent server", async () => {
    const agentUrl = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli([
      "ask",
      "--url",
      agentUrl,
      "--token",
      "some-token",
      "How many flights departed from SFO?",
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^behalf: UPSTREAM_UNAVAILABLE: /);
    expect(result.stderr).toContain(agentUrl);
    expect(result.stderr).toContain("npm start");
    expect(result.stderr).toContain("--url");
  });

  it("asks for a user when none is given", async () => {
    const result = await runCli(["ask", "How many flights departed?"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^behalf: INVALID_CONFIG: No user: /);
    expect(result.stderr).toContain("--as");
    expect(result.stderr).toContain("--token");
  });
});
