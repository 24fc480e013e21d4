/**
 * Comparison of a streamed chat completion with a recorded stream, chunk kind by chunk
 * kind.
 */
import { expect } from "vitest";
import { referenceEnumRules } from "./reference-values.js";
import { compareShapes, shapeProblems } from "./shape-comparison.js";

/** Parses `data:` events, leaving out the `[DONE]` terminator. */
export function readServerSentEvents(text: string): object[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice("data: ".length)) as object);
}

/**
 * Names what a stream chunk carries: text, a tool call's start or arguments, the finish
 * reason or usage.
 */
function chunkKind(chunk: object): string {
  const choice = (
    chunk as {
      choices?: { delta?: Record<string, unknown>; finish_reason?: unknown }[];
    }
  ).choices?.[0];
  const delta = choice?.delta ?? {};
  const toolCall = (delta.tool_calls as { id?: string }[] | undefined)?.[0];
  if (toolCall !== undefined) {
    return toolCall.id === undefined
      ? "tool-call-arguments"
      : "tool-call-start";
  }
  if (typeof delta.content === "string" && delta.content.length > 0) {
    return "text";
  }
  if (choice?.finish_reason !== null && choice?.finish_reason !== undefined) {
    return "finish";
  }
  return "usage" in chunk ? "usage" : "other";
}

/**
 * Fields of a chunk's delta that belong to its kind. The role belongs to no kind,
 * because it is checked on the first chunk of each stream.
 */
const kindFields: Readonly<Record<string, readonly string[]>> = {
  text: ["content"],
  "tool-call-start": ["tool_calls"],
  "tool-call-arguments": ["tool_calls"],
  finish: [],
};

/**
 * Compares each kind of chunk in the recorded stream with the first local chunk of the
 * same kind. Databricks may put the role into the first text or tool call chunk, while
 * the local workspace sends it in a chunk of its own. Deltas are therefore compared by
 * the fields of their kind, and both streams must start with the assistant role.
 */
export function expectSameChunkKinds(
  fixture: string,
  recordedChunks: object[],
  localChunks: object[],
): void {
  const firstOfKind = (chunks: object[]) => {
    const kinds = new Map<string, object>();
    for (const chunk of chunks) {
      const kind = chunkKind(chunk);
      if (!kinds.has(kind)) {
        kinds.set(kind, chunk);
      }
    }
    return kinds;
  };
  const localKinds = firstOfKind(localChunks);
  console.info(
    `${fixture}: local chunk kinds ${[...localKinds.keys()].join(", ")}`,
  );

  for (const [kind, recordedChunk] of firstOfKind(recordedChunks)) {
    const localChunk = localKinds.get(kind);
    expect(localChunk, `a local chunk of kind ${kind}`).toBeDefined();
    const fields = kindFields[kind] ?? [];
    const reference = withDeltaFields(recordedChunk, fields);
    const actual = withDeltaFields(localChunk ?? {}, fields);
    const report = compareShapes(reference, actual, {
      enums: referenceEnumRules,
    });
    expect(shapeProblems(report), `${fixture}, chunk kind ${kind}`).toEqual([]);
  }

  for (const chunks of [recordedChunks, localChunks]) {
    const firstDelta = (
      chunks[0] as { choices?: { delta?: { role?: string } }[] }
    ).choices?.[0]?.delta;
    expect(firstDelta?.role, `${fixture}: role of the first chunk`).toBe(
      "assistant",
    );
  }
}

function withDeltaFields(chunk: object, fields: readonly string[]): object {
  const choices = (chunk as { choices?: { delta?: Record<string, unknown> }[] })
    .choices;
  return {
    ...chunk,
    choices: (choices ?? []).map((choice) => ({
      ...choice,
      delta: Object.fromEntries(
        Object.entries(choice.delta ?? {}).filter(([key]) =>
          fields.includes(key),
        ),
      ),
    })),
  };
}
