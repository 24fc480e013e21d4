import { describe, expect, it } from "vitest";
import { parseWorkspaceDefinition } from "./load-definition.js";
import { demoCopy, problemLines } from "./test-support.js";

const strikesTable = "samples.aviation.bird_strikes";

describe("column mask checks", () => {
  it("accept the demo's three cost masks", async () => {
    const definition = parseWorkspaceDefinition(await demoCopy(), "demo");

    expect(definition.columnMasks).toHaveLength(3);
  });

  it("name an unknown table, column and group", async () => {
    const definition = await demoCopy();
    definition.columnMasks = [
      {
        name: "wrong_table",
        table: "samples.aviation.bird_strike",
        column: "cost_repair",
        expression: "NULL",
      },
      {
        name: "wrong_column",
        table: strikesTable,
        column: "repair_cost",
        expression: "NULL",
      },
      {
        name: "wrong_group",
        table: strikesTable,
        column: "cost_other",
        expression:
          "CASE WHEN is_account_group_member('finances') THEN cost_other END",
      },
    ];

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "masks.yaml"),
    );

    expect(lines).toEqual([
      'masks.yaml: columnMasks[0].table: unknown table "samples.aviation.bird_strike"; use a table defined under tables',
      expect.stringMatching(
        /^masks\.yaml: columnMasks\[1\]\.column: "repair_cost" is not a column of samples\.aviation\.bird_strikes; use one of: airport_name, /,
      ),
      expect.stringMatching(
        /^masks\.yaml: columnMasks\[2\]\.expression: is_account_group_member\('finances'\) names an unknown group; use one of: users, /,
      ),
    ]);
  });

  it("allow one mask per column", async () => {
    const definition = await demoCopy();
    definition.columnMasks?.push({
      name: "second_repair_mask",
      table: strikesTable,
      column: "cost_repair",
      expression: "0",
    });

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "twice.yaml"),
    );

    expect(lines).toEqual([
      'twice.yaml: columnMasks[3].column: duplicate masked column (a column has at most one mask; combine the cases in one expression) "samples.aviation.bird_strikes.cost_repair", already used at columnMasks[0].column; give each one a unique name',
    ]);
  });

  it("reject a mask expression that reads an unknown table", async () => {
    const definition = await demoCopy();
    const mask = definition.columnMasks?.[0];
    if (mask === undefined) {
      throw new Error("the demo has no column mask");
    }
    mask.expression =
      "CASE WHEN current_user() IN (SELECT name FROM samples.finance.readers) THEN cost_repair END";

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "reader.yaml"),
    );

    expect(lines).toEqual([
      'reader.yaml: columnMasks[0].expression: refers to unknown table "samples.finance.readers"; use a table defined under tables',
    ]);
  });
});
