/** The list routes of Genie: a conversation's messages, a space's conversations, and spaces. */
import type { WorkspaceDefinition } from "../contracts.js";
import { GenieRequestError } from "./genie-request-error.js";
import {
  conversationSummaryView,
  messageView,
  type ViewContext,
} from "./message-views.js";
import { readPageRequest, takePage } from "./page-tokens.js";
import {
  type GeniePrincipal,
  hasSpacePermission,
  spaceView,
} from "./space-access.js";
import type { StoredConversation } from "./stored-records.js";

/** The `page_size` and `page_token` query parameters as the request sent them. */
export interface PageQuery {
  pageSize?: string;
  pageToken?: string;
}

/** Lists a conversation's messages, newest first. */
export function listMessagePage(
  conversation: StoredConversation,
  context: ViewContext,
  page: PageQuery,
) {
  const request = readPageRequest(page.pageSize, page.pageToken);
  const newestFirst = [...conversation.messages].reverse();
  const { items, nextPageToken } = takePage(
    newestFirst,
    request,
    (message) => message.sequence,
    true,
  );
  return {
    messages: items.map((message) => messageView(message, context)),
    ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
  };
}

/**
 * Lists a space's conversations, given newest first: the caller's own, or with
 * `includeAll` every user's, which needs CAN_MANAGE on the space.
 */
export function listConversationPage(
  spaceConversations: readonly StoredConversation[],
  space: WorkspaceDefinition["genieSpaces"][number],
  principal: GeniePrincipal,
  page: PageQuery & { includeAll?: boolean },
) {
  if (page.includeAll && !hasSpacePermission(space, principal, "CAN_MANAGE")) {
    throw new GenieRequestError(
      403,
      "PERMISSION_DENIED",
      `include_all=true needs CAN_MANAGE on Genie space ${space.id}; leave it out to list your own conversations.`,
    );
  }
  const request = readPageRequest(page.pageSize, page.pageToken);
  const visible = spaceConversations.filter(
    (conversation) => page.includeAll || conversation.ownerId === principal.id,
  );
  const { items, nextPageToken } = takePage(
    visible,
    request,
    (conversation) => conversation.sequence,
    true,
  );
  return {
    conversations: items.map(conversationSummaryView),
    ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
  };
}

/** Lists the spaces on which the caller has CAN_VIEW or a higher level, in definition order. */
export function listSpacePage(
  definition: WorkspaceDefinition,
  principal: GeniePrincipal,
  page: PageQuery,
) {
  const request = readPageRequest(page.pageSize, page.pageToken);
  const visible = definition.genieSpaces
    .map((space, index) => ({ space, position: index + 1 }))
    .filter(({ space }) => hasSpacePermission(space, principal, "CAN_VIEW"));
  const { items, nextPageToken } = takePage(
    visible,
    request,
    (entry) => entry.position,
    false,
  );
  return {
    spaces: items.map(({ space }) => spaceView(space)),
    ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
  };
}
