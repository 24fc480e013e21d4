import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The body of `GET /agent/info`, in the shape MLflow's agent server gives. */
export interface AgentInfo {
  /** `DATABRICKS_APP_NAME` on Databricks Apps, else `behalf`. */
  name: string;
  use_case: "agent";
  agent_api: "responses";
  /** behalf's package version. */
  version: string;
}

/** Builds the agent description once, at start. */
export function describeAgent(
  environment: Record<string, string | undefined>,
): AgentInfo {
  return {
    name: environment.DATABRICKS_APP_NAME || "behalf",
    use_case: "agent",
    agent_api: "responses",
    version: readPackageVersion(),
  };
}

/** Reads the version from behalf's package.json, found above this module in `src/` and in `dist/`. */
function readPackageVersion(): string {
  for (let folder = import.meta.dirname; ; folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(
        readFileSync(join(folder, "package.json"), "utf8"),
      ) as { name?: string; version?: string };
      if (manifest.name === "behalf" && manifest.version !== undefined) {
        return manifest.version;
      }
    } catch {
      // No readable package.json here; look one folder up.
    }
    if (dirname(folder) === folder) {
      return "unknown";
    }
  }
}
