/**
 * The faults a test can inject into the local workspace, as accepted by the
 * `faults` start option and by `POST /local/api/faults`.
 */
import { z } from "zod";

const positiveCount = z.number().int().min(1).max(1_000_000);
const routes = z.array(z.string().min(1)).min(1);

/** The next `count` Genie messages, optionally of one space or user, end FAILED or CANCELLED. */
const messageFault = z.strictObject({
  type: z.literal("message"),
  outcome: z.enum(["FAILED", "CANCELLED"]),
  /** Genie `MessageErrorType` of a FAILED message. */
  errorType: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, "expected an upper-case MessageErrorType")
    .optional(),
  /** Text of a FAILED message's `error.error`. */
  errorText: z.string().min(1).optional(),
  count: positiveCount.default(1),
  spaceId: z.string().min(1).optional(),
  userName: z.string().min(1).optional(),
});

/** The next `count` requests to `routes` get an error response before any route runs. */
const httpErrorFault = z.strictObject({
  type: z.literal("http-error"),
  routes,
  status: z.number().int().min(400).max(599).default(503),
  errorCode: z.string().min(1).optional(),
  message: z.string().min(1).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  count: positiveCount.default(1),
});

/** Requests to `routes` wait `delayMilliseconds` first, for `count` requests or until cleared. */
const delayFault = z.strictObject({
  type: z.literal("delay"),
  routes,
  delayMilliseconds: z.number().int().min(1).max(600_000),
  count: positiveCount.optional(),
});

/**
 * After a token has polled one message `afterPolls` times, every later request
 * with that token gets 401, as when a token expires mid-poll. Applies to `count`
 * tokens, optionally of one user.
 */
const tokenExpiryFault = z.strictObject({
  type: z.literal("token-expiry"),
  afterPolls: z.number().int().min(0).max(1_000_000),
  userName: z.string().min(1).optional(),
  count: positiveCount.default(1),
});

export const faultDefinitionSchema = z.discriminatedUnion("type", [
  messageFault,
  httpErrorFault,
  delayFault,
  tokenExpiryFault,
]);

/** A fault as written by a test, before defaults apply. */
export type FaultDefinitionInput = z.input<typeof faultDefinitionSchema>;
/** A fault with its defaults applied. */
export type FaultDefinition = z.output<typeof faultDefinitionSchema>;

/** Thrown for a fault definition the schema rejects, naming the field. */
export class InvalidFaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidFaultError";
  }
}

/** Validates one fault definition and applies its defaults. */
export function parseFaultDefinition(input: unknown): FaultDefinition {
  const parsed = faultDefinitionSchema.safeParse(input);
  if (parsed.success) {
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") || "body";
  throw new InvalidFaultError(
    `Invalid fault field '${field}': ${issue?.message ?? "unknown problem"}. Set type to message, http-error, delay or token-expiry; the README lists each type's fields.`,
  );
}
