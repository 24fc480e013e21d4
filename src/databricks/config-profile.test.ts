import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { parseConfigFile, readConfigProfile } from "./config-profile.js";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "behalf-profile-"));
  await writeFile(
    join(folder, ".databrickscfg"),
    [
      "# written by databricks configure",
      "[DEFAULT]",
      "host = https://adb-1111111111111111.1.azuredatabricks.net",
      "token = dapi00000000000000000000000000000001",
      "",
      "[staging]",
      "host: adb-2222222222222222.2.azuredatabricks.net",
      "Client_ID = 6b0c7a5e-staging",
      "client_secret = staging-secret",
    ].join("\n"),
  );
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("parseConfigFile", () => {
  it("reads sections, both separators and comments", () => {
    const sections = parseConfigFile(
      "; comment\nstray = value\n[a]\nx = 1\ny: two words \n# x = 3\n[b]\n",
    );
    expect([...sections.keys()]).toEqual(["a", "b"]);
    expect(Object.fromEntries(sections.get("a") ?? [])).toEqual({
      x: "1",
      y: "two words",
    });
  });
});

describe("readConfigProfile", () => {
  it("reads DEFAULT from the home directory", async () => {
    const profile = await readConfigProfile({
      environment: {},
      homeDirectory: folder,
    });
    expect(profile).toMatchObject({
      name: "DEFAULT",
      host: "https://adb-1111111111111111.1.azuredatabricks.net",
      token: "dapi00000000000000000000000000000001",
    });
  });

  it("reads the profile DATABRICKS_CONFIG_PROFILE names", async () => {
    const profile = await readConfigProfile({
      environment: { DATABRICKS_CONFIG_PROFILE: "staging" },
      homeDirectory: folder,
    });
    expect(profile).toMatchObject({
      clientId: "6b0c7a5e-staging",
      clientSecret: "staging-secret",
    });
  });

  it("reads the file DATABRICKS_CONFIG_FILE names", async () => {
    const profile = await readConfigProfile({
      environment: { DATABRICKS_CONFIG_FILE: join(folder, ".databrickscfg") },
      homeDirectory: "/nonexistent",
    });
    expect(profile?.name).toBe("DEFAULT");
  });

  it("returns undefined when no file exists and none was named", async () => {
    await expect(
      readConfigProfile({ environment: {}, homeDirectory: "/nonexistent" }),
    ).resolves.toBeUndefined();
  });

  it("names a missing profile and the ones available", async () => {
    const failure = readConfigProfile({
      environment: { DATABRICKS_CONFIG_PROFILE: "prod" },
      homeDirectory: folder,
    });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(
      /The profile prod \(DATABRICKS_CONFIG_PROFILE\) is not in .*; it has DEFAULT, staging/,
    );
  });

  it("names a missing file", async () => {
    await expect(
      readConfigProfile({
        environment: { DATABRICKS_CONFIG_FILE: join(folder, "missing.cfg") },
      }),
    ).rejects.toThrow(/missing\.cfg \(DATABRICKS_CONFIG_FILE\)/);
  });
});
