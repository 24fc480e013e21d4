/** Checks of Genie request bodies, raising 400 `INVALID_PARAMETER_VALUE` with the field named. */
import { GenieRequestError } from "./genie-request-error.js";
import type { FeedbackRating, StoredMessage } from "./stored-records.js";

const feedbackRatings: readonly FeedbackRating[] = [
  "POSITIVE",
  "NEGATIVE",
  "NONE",
];

/** Returns the question of a start-conversation or create-message body. */
export function validateContent(content: unknown): string {
  if (typeof content !== "string" || content.trim() === "") {
    throw new GenieRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      "Field 'content' is required and must be a non-empty string.",
    );
  }
  return content;
}

/** Returns the feedback of a send-feedback body: a rating and an optional comment. */
export function validateFeedback(body: {
  rating?: unknown;
  comment?: unknown;
}): NonNullable<StoredMessage["feedback"]> {
  const { rating, comment } = body;
  if (!feedbackRatings.includes(rating as FeedbackRating)) {
    throw new GenieRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      `Field 'rating' must be one of ${feedbackRatings.join(", ")}, got ${JSON.stringify(rating)}.`,
    );
  }
  if (comment !== undefined && typeof comment !== "string") {
    throw new GenieRequestError(
      400,
      "INVALID_PARAMETER_VALUE",
      "Field 'comment' must be a string when present.",
    );
  }
  return {
    rating: rating as FeedbackRating,
    ...(comment === undefined ? {} : { comment }),
  };
}
