import { describe, expect, it } from "vitest";
import { checkReadOnlyStatement, type ReadOnlyRule } from "./read-only-sql.js";

describe("checkReadOnlyStatement accepts", () => {
  it.each([
    ["SELECT 1", "SELECT", "SELECT 1"],
    ["select * from samples.aviation.flights", "SELECT", undefined],
    ["  SELECT 1;  ", "SELECT", "SELECT 1"],
    ["SELECT 1;;", "SELECT", "SELECT 1"],
    ["SELECT 1; -- done", "SELECT", "SELECT 1"],
    ["SELECT ';'", "SELECT", "SELECT ';'"],
    ['SELECT "a; DROP TABLE t"', "SELECT", undefined],
    ["SELECT 'it''s; fine'", "SELECT", undefined],
    ["SELECT 'line\\nbreak; tab\\t'", "SELECT", undefined],
    ["SELECT 'ends in a backslash\\\\'", "SELECT", undefined],
    ["SELECT `odd;name` FROM t", "SELECT", undefined],
    ["SELECT `a``; b` FROM t", "SELECT", undefined],
    ["-- a comment; DROP TABLE t\nSELECT 1", "SELECT", undefined],
    ["/* a; DROP TABLE t */ SELECT 1", "SELECT", undefined],
    ["SELECT 1 /* ; */", "SELECT", undefined],
    ["(SELECT 1) UNION (SELECT 2)", "SELECT", undefined],
    [
      "WITH february AS (SELECT * FROM t WHERE month = 2) SELECT COUNT(*) FROM february",
      "WITH",
      undefined,
    ],
    ["SHOW TABLES IN samples.aviation", "SHOW", undefined],
    ["DESCRIBE TABLE samples.aviation.flights", "DESCRIBE", undefined],
    ["desc samples.aviation.flights", "DESCRIBE", undefined],
    ["EXPLAIN SELECT 1", "EXPLAIN", undefined],
    ["SELECT r'C:\\path' AS folder", "SELECT", undefined],
    ["SELECT * FROM t WHERE origin = :airport", "SELECT", undefined],
  ])("%j", (sql, keyword, statement) => {
    const check = checkReadOnlyStatement(sql);
    expect(check).toMatchObject({ readOnly: true, keyword });
    if (statement !== undefined) {
      expect(check).toMatchObject({ statement });
    }
  });
});

describe("checkReadOnlyStatement rejects", () => {
  it.each<[string, ReadOnlyRule, RegExp]>([
    ["", "empty", /is empty/],
    ["  -- only a comment", "empty", /is empty/],
    [";", "empty", /is empty/],
    ["DROP TABLE t", "statement-kind", /starts with "DROP"/],
    ["INSERT INTO t VALUES (1)", "statement-kind", /starts with "INSERT"/],
    ["UPDATE t SET a = 1", "statement-kind", /starts with "UPDATE"/],
    ["SET ROLE admin", "statement-kind", /starts with "SET"/],
    ["VALUES (1)", "statement-kind", /starts with "VALUES"/],
    ["FROM t SELECT *", "statement-kind", /starts with "FROM"/],
    ["'SELECT' 1", "statement-kind", /starts with "'SELECT'"/],
    [
      "SELECT 1; DROP TABLE t",
      "stacked-statements",
      /second statement at character 11/,
    ],
    ["SELECT 1;SELECT 2", "stacked-statements", /one statement per call/],
    [
      "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
      "nested-write",
      /"DELETE FROM" inside it/,
    ],
    [
      "SELECT * FROM (INSERT INTO t VALUES (1) RETURNING *) AS x",
      "nested-write",
      /"INSERT INTO" inside it/,
    ],
    [
      "WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT a FROM u",
      "nested-write",
      /"UPDATE t" inside it/,
    ],
    ["SELECT ';'; DELETE FROM t", "stacked-statements", /"DELETE FROM t"/],
    ["SELECT 1 -- x\n; DROP TABLE t", "stacked-statements", /DROP TABLE t/],
    ["SELECT 1 /* x */; DROP TABLE t", "stacked-statements", /DROP TABLE t/],
    [
      "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
      "write-after-with",
      /ends in INSERT/,
    ],
    [
      "WITH x AS (SELECT 1) MERGE INTO t USING x ON t.a = x.a WHEN MATCHED THEN DELETE",
      "write-after-with",
      /ends in MERGE/,
    ],
    ["SELECT 'unclosed", "unterminated", /no closing '/],
    ["SELECT `unclosed", "unterminated", /no closing backtick/],
    ["SELECT 1 /* unclosed", "unterminated", /no closing "\*\/"/],
    [
      "SELECT 1 /* /* */ ' */ ; DROP TABLE t; -- '",
      "nested-comment",
      /contains another "\/\*"/,
    ],
    [
      "SELECT '\\'; DROP TABLE t; --'",
      "ambiguous-escape",
      /backslash before a quote/,
    ],
    ["SELECT r'\\'; DROP TABLE t; --'", "stacked-statements", /DROP TABLE t/],
  ])("%j", (sql, rule, message) => {
    const check = checkReadOnlyStatement(sql);
    expect(check.readOnly).toBe(false);
    expect(check).toMatchObject({ rule });
    expect(check.readOnly ? "" : check.message).toMatch(message);
  });
});
