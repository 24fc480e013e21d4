/**
 * Pieces of the conformance suite: raw HTTP calls, the comparison of a local response
 * with its recorded fixture, and the typed outcome of behalf's client code.
 */
import { expect } from "vitest";
import { WorkspaceClient } from "../../src/databricks/workspace-client.js";
import { BehalfError } from "../../src/errors/errors.js";
import { loadFixture } from "../helpers/fixtures.js";
import { referenceEnumRules } from "./reference-values.js";
import {
  compareShapes,
  type ShapeReport,
  type ShapeRules,
  shapeProblems,
} from "./shape-comparison.js";

/** A response as it came over HTTP, with the body parsed when it is JSON. */
export interface HttpExchange {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are plain JSON
  body: any;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Client id and secret, sent with HTTP Basic authentication. */
  basic?: { clientId: string; clientSecret: string };
}

/** Sends one request to `baseUrl` and reads the whole response. */
export async function call(
  baseUrl: string,
  method: "GET" | "POST",
  path: string,
  options: CallOptions = {},
): Promise<HttpExchange> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.token !== undefined) {
    headers.Authorization = `Bearer ${options.token}`;
  }
  if (options.basic !== undefined) {
    const { clientId, clientSecret } = options.basic;
    headers.Authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
  }
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  if (options.form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }

  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: parsed,
  };
}

export interface ConformanceOptions {
  unions?: ShapeRules["unions"];
  /**
   * Reference fields the local workspace is known to lack. They are listed in the test
   * output, and each must still be missing, so that a fixed gap leaves this list.
   */
  knownGaps?: readonly string[];
}

/**
 * Compares a local response body with the recorded fixture of the same call and fails on
 * missing fields, other JSON types and enum values the reference does not allow.
 * Fields the local workspace adds are printed and allowed.
 */
export function expectConformance(
  fixtureName: string,
  actual: unknown,
  options: ConformanceOptions = {},
): ShapeReport {
  const report = compareShapes(loadFixture(fixtureName), actual, {
    enums: referenceEnumRules,
    unions: options.unions,
  });
  const knownGaps = options.knownGaps ?? [];
  if (report.additions.length > 0) {
    console.info(
      `${fixtureName}: the local workspace adds ${report.additions.join(", ")}`,
    );
  }
  if (knownGaps.length > 0) {
    console.info(
      `${fixtureName}: the local workspace lacks, as known, ${knownGaps.join(", ")}`,
    );
  }

  const problems = shapeProblems({
    ...report,
    missing: report.missing.filter((path) => !knownGaps.includes(path)),
  });
  expect(problems, `${fixtureName} against the local workspace`).toEqual([]);
  expect(
    report.missing.filter((path) => knownGaps.includes(path)).sort(),
    `known gaps of ${fixtureName} that the local workspace still has`,
  ).toEqual([...knownGaps].sort());
  return report;
}

/**
 * Names the variant of a Genie attachment by its payload: text, query,
 * suggested_questions or viz.
 */
export function attachmentVariant(attachment: unknown): string {
  const keys = Object.keys(attachment as object).filter(
    (key) => key !== "attachment_id",
  );
  return keys.sort().join("+") || "empty";
}

/**
 * The typed outcome of a call to behalf's client: a described value, or an error class
 * and code.
 */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: Record<string, unknown> };

/**
 * Runs `work` and describes its outcome, so that two sources can be compared with
 * toEqual.
 */
export async function outcomeOf<T>(
  work: () => Promise<T>,
  describeValue: (value: T) => unknown,
): Promise<Outcome> {
  try {
    return { ok: true, value: describeValue(await work()) };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

/**
 * Describes an error by its class, code and the typed fields of its class, leaving out
 * message texts.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!BehalfError.isInstance(error)) {
    return {
      errorClass: (error as Error)?.constructor?.name ?? typeof error,
      message: String((error as Error)?.message ?? error),
    };
  }
  const fields: Record<string, unknown> = {
    errorClass: error.constructor.name,
    code: error.code,
  };
  for (const name of [
    "missingScopes",
    "genieStatus",
    "genieErrorType",
    "state",
    "errorClass",
  ]) {
    const value = (error as unknown as Record<string, unknown>)[name];
    if (value !== undefined) {
      fields[name === "errorClass" ? "sqlErrorClass" : name] = value;
    }
  }
  if ("retryAfterSeconds" in error) {
    fields.retryAfterSeconds = typeof error.retryAfterSeconds;
  }
  return fields;
}

/**
 * Returns a client of one workspace and token that never retries, so that each outcome
 * comes from one response.
 */
export function singleAttemptClient(
  host: string,
  token: string,
): WorkspaceClient {
  return new WorkspaceClient({
    host,
    authorization: () => `Bearer ${token}`,
    maxAttempts: 1,
  });
}
