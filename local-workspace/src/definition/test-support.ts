import { join } from "node:path";
import { expect } from "vitest";
import type { WorkspaceDefinition } from "../contracts.js";
import { WorkspaceDefinitionError } from "./definition-error.js";
import { loadWorkspaceDefinition } from "./load-definition.js";

export const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
export const demoPath = join(
  repositoryRoot,
  "examples",
  "local-workspace.yaml",
);

let demo: WorkspaceDefinition | undefined;

/** Returns a deep copy of the demo definition for a test to change. */
export async function demoCopy(): Promise<WorkspaceDefinition> {
  demo ??= (await loadWorkspaceDefinition(demoPath)).definition;
  return structuredClone(demo);
}

/** Returns the problem lines of the `WorkspaceDefinitionError` that `action` throws. */
export function problemLines(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkspaceDefinitionError);
    return (error as WorkspaceDefinitionError).problemLines();
  }
  throw new Error(
    "expected a WorkspaceDefinitionError, but nothing was thrown",
  );
}

/** Returns the problem lines of the `WorkspaceDefinitionError` that `action` rejects with. */
export async function asyncProblemLines(
  action: () => Promise<unknown>,
): Promise<string[]> {
  const error = await action().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkspaceDefinitionError);
  return (error as WorkspaceDefinitionError).problemLines();
}
