import { describe, expect, it } from "vitest";
import type { WarehouseError } from "../contracts.js";
import { findParameterMarkers } from "./sql-lexer.js";
import { type TranslationContext, translateSql } from "./sql-translation.js";
import { classifyStatement } from "./statement-kinds.js";

const context: TranslationContext = {
  tableNames: new Set([
    "samples.aviation.flights",
    "samples.aviation.airports",
  ]),
  knownIdentifiers: new Set(["samples", "aviation", "flights", "origin"]),
};

function translate(
  sql: string,
  parameters: { name: string; value: string | null; type?: string }[] = [],
) {
  return translateSql(sql, context, parameters);
}

describe("translateSql names", () => {
  it("rewrites plain and backticked three-level names", () => {
    const translated = translate(
      "SELECT * FROM samples.aviation.flights JOIN `samples`.`aviation`.`Airports` a",
    );

    expect(translated.text).toBe(
      'SELECT * FROM "samples.aviation"."flights" JOIN "samples.aviation"."airports" a',
    );
    expect(translated.referencedTables).toEqual([
      "samples.aviation.flights",
      "samples.aviation.airports",
    ]);
  });

  it("keeps a column part after a table name", () => {
    expect(
      translate("SELECT samples.aviation.flights.origin FROM x").text,
    ).toBe('SELECT "samples.aviation"."flights".origin FROM x');
  });

  it("leaves unknown three-level names for Postgres to reject", () => {
    expect(translate("SELECT * FROM samples.aviation.nope").text).toBe(
      "SELECT * FROM samples.aviation.nope",
    );
  });

  it("folds known backtick identifiers and keeps other aliases", () => {
    expect(translate("SELECT `Origin` AS `Busy Airport` FROM t").text).toBe(
      'SELECT "origin" AS "Busy Airport" FROM t',
    );
  });

  it("leaves names inside strings and comments alone", () => {
    const sql =
      "SELECT 'samples.aviation.flights' -- samples.aviation.flights\n/* samples.aviation.flights */";

    expect(translate(sql).text).toBe(sql);
  });
});

describe("translateSql literals and functions", () => {
  it("turns double-quoted strings and backslash escapes into Postgres literals", () => {
    expect(translate(`SELECT "it's", 'a\\'b', 'c''d', 'e\\\\f'`).text).toBe(
      "SELECT 'it''s', 'a''b', 'c''d', 'e\\f'",
    );
  });

  it("maps current_user() and group checks", () => {
    expect(
      translate(
        "SELECT current_user(), session_user( ), is_account_group_member('x'), is_member('y')",
      ).text,
    ).toBe(
      "SELECT current_user, current_user, local_workspace.is_account_group_member('x'), local_workspace.is_account_group_member('y')",
    );
  });

  it("maps date-part calls but not EXTRACT fields or columns", () => {
    expect(
      translate("SELECT month(date), EXTRACT(MONTH FROM date), t.month FROM t")
        .text,
    ).toBe(
      "SELECT local_workspace.month(date), EXTRACT(MONTH FROM date), t.month FROM t",
    );
  });
});

describe("translateSql casts", () => {
  it("maps Databricks type names in CAST and ::", () => {
    expect(
      translate(
        "SELECT CAST(a AS STRING), CAST(ROUND(b, 2) AS DOUBLE), c::long, CAST(d AS DOUBLE PRECISION), e AS string",
      ).text,
    ).toBe(
      "SELECT CAST(a AS text), CAST(ROUND(b, 2) AS double precision), c::bigint, CAST(d AS DOUBLE PRECISION), e AS string",
    );
  });
});

describe("translateSql parameters", () => {
  it("numbers markers, casts typed ones and reuses repeated ones", () => {
    const translated = translate(
      "SELECT * FROM t WHERE a = :airport AND m = :month AND b = :airport AND c = :free",
      [
        { name: "month", value: "2", type: "INT" },
        { name: "airport", value: "SFO", type: "STRING" },
        { name: "free", value: null },
      ],
    );

    expect(translated.text).toBe(
      "SELECT * FROM t WHERE a = $1::text AND m = $2::integer AND b = $1::text AND c = $3",
    );
    expect(translated.values).toEqual(["SFO", "2", null]);
  });

  it("ignores markers in strings, comments and casts", () => {
    const sql = "SELECT ':a', x::int -- :b\n/* :c */ FROM t WHERE d = :d";

    expect(translate(sql, [{ name: "d", value: "1" }]).text).toBe(
      "SELECT ':a', x::int -- :b\n/* :c */ FROM t WHERE d = $1",
    );
    expect(findParameterMarkers(sql)).toEqual(["d"]);
  });

  it("casts DECIMAL with precision and scale", () => {
    expect(
      translate("SELECT :amount", [
        { name: "amount", value: "1.5", type: "decimal(10, 2)" },
      ]).text,
    ).toBe("SELECT $1::numeric(10,2)");
  });

  it("rejects an unbound marker", () => {
    expect(() => translate("SELECT :missing")).toThrowError(
      expect.objectContaining({
        errorClass: "UNBOUND_SQL_PARAMETER",
      }) as WarehouseError,
    );
  });

  it("rejects an unknown parameter type", () => {
    expect(() =>
      translate("SELECT :x", [{ name: "x", value: "1", type: "UUID" }]),
    ).toThrowError(/unsupported type "UUID"/);
  });
});

describe("classifyStatement", () => {
  it.each([
    ["SELECT 1", "query"],
    ["  -- comment\n with x as (select 1) select * from x", "query"],
    ["(SELECT 1) UNION (SELECT 2)", "query"],
    ["", "empty"],
    ["  ;", "empty"],
    ["SET ROLE postgres", "other"],
    ["/* hidden */ RESET ROLE", "other"],
  ])("classifies %j as %s", (sql, kind) => {
    expect(classifyStatement(sql).kind).toBe(kind);
  });
});
