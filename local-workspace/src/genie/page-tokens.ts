/**
 * Paging for Genie list routes. A page token names the last item of the previous
 * page rather than an offset, so conversations added or deleted between two calls
 * neither repeat nor skip items.
 */
import { GenieRequestError } from "./genie-request-error.js";

/** Page size when the request names none, as in the Databricks list-conversations reference. */
export const defaultPageSize = 20;
/** Larger page sizes are cut to this. */
export const maximumPageSize = 100;

export interface PageRequest {
  pageSize: number;
  /** Key of the last item of the previous page, from `page_token`. */
  afterKey: number | undefined;
}

/** Reads `page_size` and `page_token` query parameters; invalid values raise a 400. */
export function readPageRequest(
  pageSize: string | undefined,
  pageToken: string | undefined,
): PageRequest {
  let size = defaultPageSize;
  if (pageSize !== undefined && pageSize !== "") {
    size = Number(pageSize);
    if (!Number.isInteger(size) || size < 1) {
      throw new GenieRequestError(
        400,
        "INVALID_PARAMETER_VALUE",
        `page_size must be a positive integer, got '${pageSize}'.`,
      );
    }
  }

  let afterKey: number | undefined;
  if (pageToken !== undefined && pageToken !== "") {
    afterKey = Number(Buffer.from(pageToken, "base64url").toString("utf8"));
    if (!Number.isSafeInteger(afterKey)) {
      throw new GenieRequestError(
        400,
        "INVALID_PARAMETER_VALUE",
        `page_token '${pageToken}' is not valid; pass the next_page_token of the previous page unchanged.`,
      );
    }
  }
  return { pageSize: Math.min(size, maximumPageSize), afterKey };
}

/**
 * Returns the page of `items` (already in listing order) that follows the request's
 * token. `keyOf` gives each item a number that falls strictly along the listing order,
 * descending when `descending` is true.
 */
export function takePage<Item>(
  items: readonly Item[],
  request: PageRequest,
  keyOf: (item: Item) => number,
  descending: boolean,
): { items: Item[]; nextPageToken: string | undefined } {
  const { afterKey } = request;
  const remaining =
    afterKey === undefined
      ? items
      : items.filter((item) =>
          descending ? keyOf(item) < afterKey : keyOf(item) > afterKey,
        );
  const page = remaining.slice(0, request.pageSize);
  const last = page.at(-1);
  const nextPageToken =
    remaining.length > page.length && last !== undefined
      ? Buffer.from(String(keyOf(last)), "utf8").toString("base64url")
      : undefined;
  return { items: page, nextPageToken };
}
