import { describe, expect, it } from "vitest";
import { RequestRecorder } from "./recorder.js";

function recordFor(path: string) {
  return {
    method: "GET",
    path,
    query: "",
    headers: {},
    body: "",
    receivedAt: new Date(),
  };
}

describe("RequestRecorder", () => {
  it("drops the oldest records past its maximum", () => {
    const recorder = new RequestRecorder(2);

    recorder.add(recordFor("/first"));
    recorder.add(recordFor("/second"));
    recorder.add(recordFor("/third"));

    expect(recorder.records.map((record) => record.path)).toEqual([
      "/second",
      "/third",
    ]);
  });

  it("empties on clear", () => {
    const recorder = new RequestRecorder();
    recorder.add(recordFor("/first"));

    recorder.clear();

    expect(recorder.records).toEqual([]);
  });
});
