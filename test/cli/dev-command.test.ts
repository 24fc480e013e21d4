import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentAnswer } from "../../src/cli/agent-client.js";
import { expectedAverageDelay } from "../helpers/flight-figures.js";
import {
  acceptsConnections,
  type RunningProcess,
  repositoryRoot,
  runCli,
  runShellCommand,
  startCli,
} from "./cli-process.js";

const question = "What was the average departure delay in February 2001?";

const demoUsers = [
  "alice@example.com",
  "bob@example.com",
  "carol@example.com",
  "dave@example.com",
  "erin@example.com",
];

/** The order in which a Genie message moves through its statuses to a result. */
const genieLifecycle = [
  // behalf's own status while a question waits for the workspace's Genie question budget.
  "QUEUED",
  "SUBMITTED",
  "FETCHING_METADATA",
  "FILTERING_CONTEXT",
  "ASKING_AI",
  "PENDING_WAREHOUSE",
  "EXECUTING_QUERY",
  "COMPLETED",
];

/** The last line of the banner, printed once every server listens. */
const bannerEnd = "Press Ctrl+C to stop.";

interface Banner {
  workspaceUrl: string;
  agentUrl: string;
  frontDoorUrl: string;
  /** The Apps-mode agent server behind the front door. */
  appUrl: string;
  lines: string[];
}

function parseBanner(stdout: string): Banner {
  const find = (pattern: RegExp): string => {
    const match = pattern.exec(stdout);
    if (match?.[1] === undefined) {
      throw new Error(`The banner has no match for ${pattern}:\n${stdout}`);
    }
    return match[1];
  };
  return {
    workspaceUrl: find(/^Local workspace +(http:\/\/\S+)/m),
    agentUrl: find(/^Agent server +(http:\/\/\S+)/m),
    frontDoorUrl: find(/^Apps front door +(http:\/\/\S+)/m),
    appUrl: find(/proxies to (http:\/\/\S+) in Apps mode/),
    lines: stdout.split("\n"),
  };
}

/**
 * Starts `behalf dev` with every port chosen by the system. Short Genie steps keep the
 * tests fast while still showing several statuses per message.
 */
function startDev(dataDirectory: string): RunningProcess {
  return startCli([
    "dev",
    "--port",
    "0",
    "--workspace-port",
    "0",
    "--front-door-port",
    "0",
    "--data-dir",
    dataDirectory,
    "--genie-step-ms",
    "200",
  ]);
}

/** Checks that `statuses` ends in `last` and follows the Genie lifecycle, skipping none backwards. */
function expectGenieOrder(statuses: string[], last: string): void {
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.at(-1)).toBe(last);
  const positions = statuses
    .slice(0, -1)
    .map((status) => genieLifecycle.indexOf(status));
  expect(positions).not.toContain(-1);
  expect(positions).toEqual([...positions].sort((left, right) => left - right));
}

/**
 * Copies the warehouse snapshots that other test files wrote into `directory`. When one
 * matches the current definition and code, `behalf dev` loads it instead of building
 * the warehouse, which takes seconds of CPU. A stale one is ignored.
 */
async function seedDataDirectory(directory: string): Promise<void> {
  const shared = join(repositoryRoot, ".behalf", "test-workspace");
  const names = await readdir(shared).catch(() => []);
  for (const name of names.filter((candidate) => candidate.endsWith(".tar"))) {
    // Another test file may prune a snapshot while it is copied; that one is skipped.
    await copyFile(join(shared, name), join(directory, name)).catch(
      () => undefined,
    );
  }
}

let dataDirectory: string;
let dev: RunningProcess;
let banner: Banner;

beforeAll(async () => {
  dataDirectory = await mkdtemp(join(tmpdir(), "behalf-cli-dev-"));
  await seedDataDirectory(dataDirectory);
  dev = startDev(dataDirectory);
  await dev.waitForOutput(bannerEnd);
  banner = parseBanner(dev.stdout);
});

afterAll(async () => {
  if (dev?.running) {
    await dev.stop("SIGKILL");
  }
  if (dataDirectory !== undefined) {
    await rm(dataDirectory, { recursive: true, force: true });
  }
});

describe("behalf dev banner", () => {
  it("lists three servers on chosen ports", async () => {
    const urls = [banner.workspaceUrl, banner.agentUrl, banner.frontDoorUrl];
    for (const url of urls) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new URL(url).port).not.toBe("0");
    }
    expect(new Set(urls).size).toBe(3);

    const health = await fetch(new URL("/health", banner.agentUrl));
    expect(await health.json()).toEqual({ status: "healthy" });
  });

  it("lists the demo users", () => {
    for (const user of demoUsers) {
      expect(banner.lines.some((line) => line.trim().startsWith(user))).toBe(
        true,
      );
    }
    const alice = banner.lines.find((line) =>
      line.includes("alice@example.com  "),
    );
    expect(alice).toContain("region_west");
  });

  it("prints commands that name both servers", () => {
    const targets = `--url ${banner.agentUrl} --workspace ${banner.workspaceUrl}`;
    for (const user of ["alice@example.com", "bob@example.com"]) {
      const line = banner.lines.find(
        (candidate) =>
          candidate.includes(" ask ") && candidate.includes(`--as ${user}`),
      );
      expect(line).toContain(targets);
    }
    const token = banner.lines.find((line) => line.includes(" token "));
    expect(token).toContain(`--workspace ${banner.workspaceUrl}`);
    const curl = banner.lines.find((line) => line.includes("curl "));
    expect(curl).toContain(`${banner.agentUrl}/responses`);
  });

  it("prints an ask command that answers as alice", async () => {
    const commandLine = banner.lines
      .find(
        (line) =>
          line.includes(" ask ") && line.includes("--as alice@example.com"),
      )
      ?.trim();
    expect(commandLine).toBeDefined();

    const result = await runShellCommand(commandLine ?? "");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    const lines = result.stdout.split("\n");
    expect(lines).toContain(`→ flights ${JSON.stringify({ question })}`);
    const genie = lines.find((line) => line.startsWith("  Genie: "));
    expectGenieOrder(
      (genie ?? "").slice("  Genie: ".length).split(" → "),
      "COMPLETED",
    );
    const sql = lines.find((line) => line.startsWith("  SQL: "));
    expect(sql).toContain("FROM samples.aviation.flights");
    expect(sql).toContain("EXTRACT(MONTH FROM date) = 2");
    expect(lines).toContain("  1 row");

    const expected = expectedAverageDelay(2, ["West"]);
    expect(result.stdout).toContain(
      `avg_departure_delay_minutes = ${expected.average.toFixed(2)}`,
    );
    expect(result.stdout).toContain(`flight_count = ${expected.flights}`);
  });
});

describe("behalf ask --json", () => {
  const askJson = (...args: string[]) =>
    runCli([
      "ask",
      "--json",
      "--url",
      banner.agentUrl,
      "--workspace",
      banner.workspaceUrl,
      ...args,
    ]);

  it("prints alice's answer and steps", async () => {
    const result = await askJson("--as", "alice@example.com", question);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    const answer = JSON.parse(result.stdout) as AgentAnswer;
    const expected = expectedAverageDelay(2, ["West"]);
    expect(answer.error).toBeUndefined();
    expect(answer.model).toBe("offline-router");
    expect(answer.answer).toContain(expected.average.toFixed(2));
    expect(answer.steps).toHaveLength(1);

    const [step] = answer.steps;
    expect(step?.tool).toBe("flights");
    expect(step?.arguments).toEqual({ question });
    expectGenieOrder(step?.statuses ?? [], "COMPLETED");
    expect(step?.status).toBe("COMPLETED");
    expect(step?.sql).toContain("FROM samples.aviation.flights");
    expect(step?.columns?.map((column) => column.name)).toEqual([
      "avg_departure_delay_minutes",
      "flight_count",
    ]);
    expect(step?.rows).toEqual([[expected.average, expected.flights]]);
    expect(step?.rowCount).toBe(1);
    expect(step?.error).toBeUndefined();
  });

  it("prints dave's denied step and exits 0", async () => {
    const result = await askJson("--as", "dave@example.com", question);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    const answer = JSON.parse(result.stdout) as AgentAnswer;
    expect(answer.error).toBeUndefined();
    expect(answer.steps).toHaveLength(1);

    const [step] = answer.steps;
    expect(step?.tool).toBe("flights");
    expectGenieOrder(step?.statuses ?? [], "FAILED");
    expect(step?.error?.code).toBe("GENIE_MESSAGE_FAILED");
    expect(step?.error?.message).toContain("INSUFFICIENT_PERMISSIONS");
    expect(step?.rows).toBeUndefined();
    expect(answer.answer).toContain("could not answer");
  });

  it("exits 1 with the server's error on stderr", async () => {
    const result = await askJson("--token", "not-a-token", question);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^behalf: UNAUTHENTICATED: \S.*\n$/);

    const answer = JSON.parse(result.stdout) as AgentAnswer;
    expect(answer.error?.code).toBe("UNAUTHENTICATED");
    expect(answer.steps).toEqual([]);
  });

  it("reports the server's error without --json too", async () => {
    const result = await runCli([
      "ask",
      "--url",
      banner.agentUrl,
      "--token",
      "not-a-token",
      question,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^behalf: UNAUTHENTICATED: \S.*\n$/);
  });
});

describe("behalf token", () => {
  const token = (...args: string[]) =>
    runCli(["token", "--workspace", banner.workspaceUrl, ...args]);

  it("prints a JWT for a demo user", async () => {
    const result = await token("--as", "carol@example.com");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    const claims = decodeJwt(result.stdout.trim());
    expect(claims.sub).toBe("carol@example.com");
    expect(claims.iss).toBe(`${banner.workspaceUrl}/oidc`);
    expect(claims.scope).toBe("all-apis");
  });

  it("rejects an unknown user and lists the known ones", async () => {
    const result = await token("--as", "mallory@example.com");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^behalf: [A-Z_]+: /);
    expect(result.stderr).toContain("mallory@example.com");
    for (const user of demoUsers) {
      expect(result.stderr).toContain(user);
    }
  });

  it("puts --scopes and --lifetime in the claims", async () => {
    const result = await token(
      "--as",
      "alice@example.com",
      "--scopes",
      "sql  dashboards.genie",
      "--lifetime",
      "120",
    );
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    const claims = decodeJwt(result.stdout.trim());
    expect(claims.sub).toBe("alice@example.com");
    expect(claims.scope).toBe("sql dashboards.genie");
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
  });
});

describe("stopping behalf dev", () => {
  const serverUrls = () => [
    banner.workspaceUrl,
    banner.agentUrl,
    banner.frontDoorUrl,
    banner.appUrl,
  ];

  it("exits 0 on SIGINT and closes every port", async () => {
    for (const url of serverUrls()) {
      expect(await acceptsConnections(url)).toBe(true);
    }

    const result = await dev.stop("SIGINT");
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(0);
    for (const url of serverUrls()) {
      expect(await acceptsConnections(url)).toBe(false);
    }
  });

  it("exits 0 on SIGTERM and closes every port", async () => {
    // The first start left a matching snapshot in the data folder, so this start is quick.
    dev = startDev(dataDirectory);
    await dev.waitForOutput(bannerEnd);
    banner = parseBanner(dev.stdout);
    for (const url of serverUrls()) {
      expect(await acceptsConnections(url)).toBe(true);
    }

    const result = await dev.stop("SIGTERM");
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(0);
    for (const url of serverUrls()) {
      expect(await acceptsConnections(url)).toBe(false);
    }
  });
});
