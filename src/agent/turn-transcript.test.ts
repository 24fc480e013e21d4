import { describe, expect, it } from "vitest";
import { TurnTranscript } from "./turn-transcript.js";

function transcriptOf(output: unknown) {
  const transcript = new TurnTranscript();
  transcript.accept({
    type: "tool-call",
    toolCallId: "call-1",
    toolName: "flights",
    input: { question: "q" },
  });
  transcript.accept({
    type: "tool-result",
    toolCallId: "call-1",
    toolName: "flights",
    output,
  });
  return transcript.messages();
}

describe("TurnTranscript tool results", () => {
  it("keeps a JSON output as it is", () => {
    const tool = transcriptOf({ rowCount: 1, rows: [[8.27]] }).at(-1);
    expect(tool).toMatchObject({
      role: "tool",
      content: [
        { output: { type: "json", value: { rowCount: 1, rows: [[8.27]] } } },
      ],
    });
  });

  it("writes a BigInt output as text", () => {
    const tool = transcriptOf({ count: 12n }).at(-1);
    expect(tool).toMatchObject({
      content: [{ output: { type: "json", value: { count: "12" } } }],
    });
  });

  it("turns a function output into null", () => {
    const tool = transcriptOf(() => 1).at(-1);
    expect(tool).toMatchObject({
      content: [{ output: { type: "json", value: null } }],
    });
  });
});
