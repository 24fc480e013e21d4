import type { Context } from "hono";
import { InvalidRequestError } from "../errors/errors.js";

/**
 * Returns the request body parsed as JSON. An empty body or one that is not JSON is
 * rejected here with a message that says so, rather than as a schema mismatch.
 */
export async function readJsonBody(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === "") {
    throw new InvalidRequestError(
      'The request body is empty. Send a JSON object such as {"input": [{"role": "user", "content": "..."}]}.',
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(
      `The request body is not valid JSON (${(error as Error).message}). Send a JSON object with Content-Type: application/json.`,
    );
  }
}
