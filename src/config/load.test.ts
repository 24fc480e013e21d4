import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { loadConfig } from "./load.js";

async function writeConfig(text: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "behalf-config-"));
  const path = join(folder, "behalf.config.yaml");
  await writeFile(path, text);
  return path;
}

const minimal = `
llm:
  endpoint: local-chat
tools:
  genie:
    - name: flights
      spaceId: space-1
      description: Flights data
`;

describe("loadConfig", () => {
  it("applies defaults", async () => {
    const config = await loadConfig({
      path: await writeConfig(minimal),
      environment: {},
    });
    expect(config.agent.maxSteps).toBe(6);
    expect(config.llm.temperature).toBe(0);
    expect(config.server.port).toBe(8000);
    expect(config.tools.genie[0]?.deadlineSeconds).toBe(120);
  });

  it("lets the environment override the file", async () => {
    const config = await loadConfig({
      path: await writeConfig(minimal),
      environment: {
        DATABRICKS_HOST: "adb-1.azuredatabricks.net",
        BEHALF_LLM_ENDPOINT: "databricks-claude",
        BEHALF_MAX_STEPS: "3",
        BEHALF_TEMPERATURE: "0.5",
        BEHALF_SYSTEM_PROMPT: "Be brief.",
        BEHALF_GENIE_SPACE_ID: "space-2",
        DATABRICKS_APP_PORT: "8080",
      },
    });
    expect(config.workspace.host).toBe("adb-1.azuredatabricks.net");
    expect(config.llm.endpoint).toBe("databricks-claude");
    expect(config.agent.maxSteps).toBe(3);
    expect(config.llm.temperature).toBe(0.5);
    expect(config.agent.systemPrompt).toBe("Be brief.");
    expect(config.tools.genie[0]?.spaceId).toBe("space-2");
    expect(config.server.port).toBe(8080);
  });

  it("creates a Genie tool from the environment alone", async () => {
    const config = await loadConfig({
      environment: {
        BEHALF_LLM_ENDPOINT: "e",
        BEHALF_GENIE_SPACE_ID: "s",
        BEHALF_GENIE_DESCRIPTION: "Sales data",
      },
    });
    expect(config.tools.genie).toEqual([
      {
        name: "genie",
        spaceId: "s",
        description: "Sales data",
        deadlineSeconds: 120,
      },
    ]);
  });

  it("names the file, path and field of each problem", async () => {
    const path = await writeConfig(`
llm:
  endpoint: local-chat
  temperature: hot
tools:
  genie:
    - name: flights
      description: Flights
`);
    const failure = loadConfig({ path, environment: {} });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(`${path}: llm.temperature:`);
    await expect(failure).rejects.toThrow(`${path}: tools.genie[0].spaceId:`);
  });

  it("reads the Genie question limit from the environment", async () => {
    const unset = await loadConfig({
      path: await writeConfig(minimal),
      environment: {},
    });
    expect(unset.genie.questionsPerMinute).toBeUndefined();

    const config = await loadConfig({
      path: await writeConfig(`${minimal}genie:\n  questionsPerMinute: 5\n`),
      environment: { BEHALF_GENIE_QUESTIONS_PER_MINUTE: "3" },
    });
    expect(config.genie.questionsPerMinute).toBe(3);

    const failure = loadConfig({
      path: await writeConfig(minimal),
      environment: { BEHALF_GENIE_QUESTIONS_PER_MINUTE: "2.5" },
    });
    await expect(failure).rejects.toThrow(
      "BEHALF_GENIE_QUESTIONS_PER_MINUTE (environment): genie.questionsPerMinute: must be a whole number",
    );
  });

  it("names the variable behind a bad value", async () => {
    const failure = loadConfig({
      path: await writeConfig(minimal),
      environment: { DATABRICKS_APP_PORT: "99999", BEHALF_MODE: "bogus" },
    });
    await expect(failure).rejects.toThrow(
      "DATABRICKS_APP_PORT (environment): server.port:",
    );
    await expect(failure).rejects.toThrow(
      "BEHALF_MODE (environment): server.mode:",
    );
  });

  it("names a command-line option behind a bad value", async () => {
    const failure = loadConfig({
      path: await writeConfig(minimal),
      environment: {},
      overrides: { server: { port: Number.NaN } },
    });
    await expect(failure).rejects.toThrow("command-line option: server.port:");
  });

  it("says how to add a missing llm section", async () => {
    const failure = loadConfig({
      path: await writeConfig("agent:\n  maxSteps: 2\n"),
      environment: {},
    });
    await expect(failure).rejects.toThrow(
      /llm: is missing: add an llm section .* BEHALF_LLM_ENDPOINT/,
    );
  });

  it("rejects a host that is not a workspace URL", async () => {
    const failure = loadConfig({
      path: await writeConfig(minimal),
      environment: { DATABRICKS_HOST: "ftp://files.example.com" },
    });
    await expect(failure).rejects.toThrow(
      "DATABRICKS_HOST (environment): workspace.host: must be the workspace URL",
    );
  });

  it("rejects an unknown key", async () => {
    const path = await writeConfig(`${minimal}\nagnet:\n  maxSteps: 2\n`);
    await expect(loadConfig({ path, environment: {} })).rejects.toThrow(
      /agnet/,
    );
  });

  it("rejects a number variable that is not a number", async () => {
    const failure = loadConfig({
      path: await writeConfig(minimal),
      environment: { BEHALF_MAX_STEPS: "six" },
    });
    await expect(failure).rejects.toThrow(
      'BEHALF_MAX_STEPS="six" is not a number',
    );
  });

  it("rejects duplicate tool names", async () => {
    const path = await writeConfig(
      `${minimal}    - name: flights\n      spaceId: s2\n      description: again\n`,
    );
    await expect(loadConfig({ path, environment: {} })).rejects.toThrow(
      /used twice/,
    );
  });

  it("names a missing file", async () => {
    await expect(
      loadConfig({ path: "/nonexistent/behalf.yaml", environment: {} }),
    ).rejects.toThrow(/Cannot read the config file \/nonexistent\/behalf.yaml/);
  });
});
