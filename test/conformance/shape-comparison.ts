/**
 * Compares the shape of a JSON body with a recorded reference body: which fields exist
 * and what JSON type each has, not what values they hold. Fields are named by paths
 * such as `attachments[].query.statement_id`, where `[]` stands for the elements of an
 * array.
 */

export type JsonType =
  | "null"
  | "boolean"
  | "number"
  | "string"
  | "array"
  | "object";

/** The values an enum-like field may take, for every field whose path matches `path`. */
export interface EnumRule {
  path: RegExp;
  /** What the field is, for messages, e.g. "statement state". */
  name: string;
  allowed: readonly string[];
}

export interface ShapeRules {
  /** Rules for enum-like fields; the first rule whose path matches applies. */
  enums?: readonly EnumRule[];
  /**
   * Arrays whose elements take different shapes (a union), by array path. The function
   * names an element's variant, and each variant of the reference is compared with the
   * first element of the same variant in the actual body.
   */
  unions?: Readonly<Record<string, (element: unknown) => string>>;
}

export interface ShapeReport {
  /** Reference fields the actual body lacks. */
  missing: string[];
  /** Fields whose JSON type differs, as `path: reference type, actual type`. */
  typeMismatches: string[];
  /** Enum-like values the reference does not allow, as `path: "value" is not a ...`. */
  enumViolations: string[];
  /** Fields and union variants the actual body has beyond the reference. */
  additions: string[];
  /**
   * Parts of the reference that could not be compared: a union variant or the elements
   * of an array that the actual body does not have in this response.
   */
  notCompared: string[];
}

/** Returns the JSON type of a parsed JSON value. */
export function jsonType(value: unknown): JsonType {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "array";
  }
  const type = typeof value;
  if (type === "boolean" || type === "number" || type === "string") {
    return type;
  }
  if (type === "object") {
    return "object";
  }
  throw new TypeError(`${type} is not a JSON value.`);
}

/**
 * Compares `actual` with `reference`. Every field of the reference must exist in the
 * actual body with the same JSON type, recursively. An array is compared by its first
 * element, or variant by variant for a union array. Enum rules apply to every string in
 * the actual body, in every array element.
 */
export function compareShapes(
  reference: unknown,
  actual: unknown,
  rules: ShapeRules = {},
): ShapeReport {
  const report: ShapeReport = {
    missing: [],
    typeMismatches: [],
    enumViolations: [],
    additions: [],
    notCompared: [],
  };
  compareValue(reference, actual, "", rules, report);
  checkEnums(actual, "", rules.enums ?? [], report);
  return report;
}

/**
 * Returns the findings that fail a comparison: missing fields, type mismatches and enum
 * violations.
 */
export function shapeProblems(report: ShapeReport): string[] {
  return [
    ...report.missing.map((path) => `missing ${path}`),
    ...report.typeMismatches.map((text) => `type of ${text}`),
    ...report.enumViolations,
  ];
}

function compareValue(
  reference: unknown,
  actual: unknown,
  path: string,
  rules: ShapeRules,
  report: ShapeReport,
): void {
  const referenceType = jsonType(reference);
  const actualType = jsonType(actual);
  if (referenceType !== actualType) {
    report.typeMismatches.push(
      `${displayPath(path)}: reference ${referenceType}, actual ${actualType}`,
    );
    return;
  }
  if (referenceType === "object") {
    compareObjects(
      reference as Record<string, unknown>,
      actual as Record<string, unknown>,
      path,
      rules,
      report,
    );
  } else if (referenceType === "array") {
    const variantOf = rules.unions?.[path];
    if (variantOf === undefined) {
      compareArrays(
        reference as unknown[],
        actual as unknown[],
        path,
        rules,
        report,
      );
    } else {
      compareUnions(
        reference as unknown[],
        actual as unknown[],
        path,
        variantOf,
        rules,
        report,
      );
    }
  }
}

function compareObjects(
  reference: Record<string, unknown>,
  actual: Record<string, unknown>,
  path: string,
  rules: ShapeRules,
  report: ShapeReport,
): void {
  for (const [key, value] of Object.entries(reference)) {
    const childPath = joinPath(path, key);
    if (!Object.hasOwn(actual, key)) {
      report.missing.push(childPath);
      continue;
    }
    compareValue(value, actual[key], childPath, rules, report);
  }
  for (const key of Object.keys(actual)) {
    if (!Object.hasOwn(reference, key)) {
      report.additions.push(joinPath(path, key));
    }
  }
}

function compareArrays(
  reference: unknown[],
  actual: unknown[],
  path: string,
  rules: ShapeRules,
  report: ShapeReport,
): void {
  if (reference.length === 0) {
    return;
  }
  if (actual.length === 0) {
    report.notCompared.push(`${path}[] (the actual array is empty)`);
    return;
  }
  compareValue(reference[0], actual[0], `${path}[]`, rules, report);
}

function compareUnions(
  reference: unknown[],
  actual: unknown[],
  path: string,
  variantOf: (element: unknown) => string,
  rules: ShapeRules,
  report: ShapeReport,
): void {
  const referenceVariants = firstOfEachVariant(reference, variantOf);
  const actualVariants = firstOfEachVariant(actual, variantOf);
  for (const [variant, element] of referenceVariants) {
    const actualElement = actualVariants.get(variant);
    if (actualElement === undefined) {
      report.notCompared.push(
        `${path}[] variant ${variant} (not in the actual array)`,
      );
      continue;
    }
    compareValue(element, actualElement, `${path}[]`, rules, report);
  }
  for (const variant of actualVariants.keys()) {
    if (!referenceVariants.has(variant)) {
      report.additions.push(`${path}[] variant ${variant}`);
    }
  }
}

function firstOfEachVariant(
  elements: unknown[],
  variantOf: (element: unknown) => string,
): Map<string, unknown> {
  const variants = new Map<string, unknown>();
  for (const element of elements) {
    const variant = variantOf(element);
    if (!variants.has(variant)) {
      variants.set(variant, element);
    }
  }
  return variants;
}

function checkEnums(
  value: unknown,
  path: string,
  rules: readonly EnumRule[],
  report: ShapeReport,
): void {
  if (typeof value === "string") {
    const rule = rules.find((candidate) => candidate.path.test(path));
    if (rule !== undefined && !rule.allowed.includes(value)) {
      report.enumViolations.push(
        `${displayPath(path)}: ${JSON.stringify(value)} is not a ${rule.name} the reference allows`,
      );
    }
  } else if (Array.isArray(value)) {
    for (const element of value) {
      checkEnums(element, `${path}[]`, rules, report);
    }
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      checkEnums(child, joinPath(path, key), rules, report);
    }
  }
}

function joinPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function displayPath(path: string): string {
  return path === "" ? "(body)" : path;
}
