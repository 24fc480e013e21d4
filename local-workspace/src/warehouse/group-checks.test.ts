import { describe, expect, it } from "vitest";
import { hoistConstantGroupChecks } from "./group-checks.js";

describe("hoistConstantGroupChecks", () => {
  it.each([
    [
      "is_account_group_member('finance')",
      "(SELECT is_account_group_member('finance'))",
    ],
    ["IS_MEMBER( 'a' ) OR x = 1", "(SELECT IS_MEMBER( 'a' )) OR x = 1"],
    [
      "is_account_group_member(group_name)",
      "is_account_group_member(group_name)",
    ],
    [
      "is_account_group_member('a' || suffix)",
      "is_account_group_member('a' || suffix)",
    ],
    [
      "'is_account_group_member(''a'')' = note -- is_member('b')",
      "'is_account_group_member(''a'')' = note -- is_member('b')",
    ],
    ["schema.is_member('a')", "schema.is_member('a')"],
  ])("rewrites %j as %j", (expression, expected) => {
    expect(hoistConstantGroupChecks(expression)).toBe(expected);
  });
});
