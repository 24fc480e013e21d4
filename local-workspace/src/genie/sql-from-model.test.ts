import { describe, expect, it } from "vitest";
import {
  buildSqlPrompt,
  extractReadOnlyQuery,
  ModelSqlError,
} from "./sql-from-model.js";
import { flightsSpace, testDefinition } from "./test-support.js";

describe("extractReadOnlyQuery", () => {
  it.each([
    ["SELECT 1", "SELECT 1"],
    ["select count(*) from t;", "select count(*) from t"],
    ["```sql\nSELECT a FROM t\n```", "SELECT a FROM t"],
    [
      "Here you go:\n```\nWITH x AS (SELECT 1) SELECT * FROM x;\n```",
      "WITH x AS (SELECT 1) SELECT * FROM x",
    ],
    ["SELECT 'a; DROP TABLE t' AS text", "SELECT 'a; DROP TABLE t' AS text"],
  ])("accepts %j", (reply, expected) => {
    expect(extractReadOnlyQuery(reply)).toBe(expected);
  });

  it.each([
    ["DELETE FROM t", "MISSING_SQL_QUERY_EXCEPTION"],
    ["I cannot answer that.", "MISSING_SQL_QUERY_EXCEPTION"],
    ["SELECT 1; SELECT 2", "UNEXPECTED_REPLY_PROCESS_EXCEPTION"],
    ["SELECT 1; DROP TABLE t", "UNEXPECTED_REPLY_PROCESS_EXCEPTION"],
    [
      "WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone",
      "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
    ],
  ])("rejects %j", (reply, errorType) => {
    let caught: unknown;
    try {
      extractReadOnlyQuery(reply);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ModelSqlError);
    expect((caught as ModelSqlError).errorType).toBe(errorType);
  });
});

describe("buildSqlPrompt", () => {
  const tables = [
    ...testDefinition.tables,
    {
      name: "main.demo.flights",
      comment: "One row per flight.",
      columns: [
        { name: "delay", type: "INT" as const, comment: "Minutes late." },
        { name: "origin", type: "STRING" as const },
      ],
      source: { rows: [] },
    },
    {
      name: "main.other.secrets",
      columns: [{ name: "value", type: "STRING" as const }],
      source: { rows: [] },
    },
  ];

  it("describes the space's tables only", () => {
    const [system] = buildSqlPrompt(flightsSpace, tables, [], "How many?");

    expect(system?.role).toBe("system");
    expect(system?.content).toContain("main.demo.flights: One row per flight.");
    expect(system?.content).toContain("delay INT -- Minutes late.");
    expect(system?.content).toContain("origin STRING");
    expect(system?.content).toContain("main.demo.airports");
    expect(system?.content).not.toContain("main.other.secrets");
    expect(system?.content).toContain(flightsSpace.instructions);
    expect(system?.content).toContain(flightsSpace.exampleQueries[0]?.sql);
  });

  it("replays the conversation before the question", () => {
    const messages = buildSqlPrompt(
      flightsSpace,
      tables,
      [
        { question: "How many flights left SFO?", sql: "SELECT 1" },
        { question: "Why?", sql: undefined },
      ],
      "And from LAX?",
    );

    expect(messages.slice(1)).toEqual([
      { role: "user", content: "How many flights left SFO?" },
      { role: "assistant", content: "SELECT 1" },
      { role: "user", content: "Why?" },
      { role: "assistant", content: "(no query was run)" },
      { role: "user", content: "And from LAX?" },
    ]);
  });
});
