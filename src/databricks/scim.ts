import type { UserIdentity } from "../identity/request-context.js";
import type { WorkspaceClient } from "./workspace-client.js";

interface ScimUser {
  id?: string;
  userName?: string;
  displayName?: string;
}

/** Returns who the client's token belongs to (`GET /api/2.0/preview/scim/v2/Me`). */
export async function getCurrentUser(
  client: WorkspaceClient,
  signal?: AbortSignal,
): Promise<UserIdentity> {
  const user = await client.get<ScimUser>("/api/2.0/preview/scim/v2/Me", {
    service: "SCIM",
    operation: "get current user",
    signal,
  });
  if (typeof user.id !== "string" || typeof user.userName !== "string") {
    throw new Error("The SCIM Me response has no id or userName.");
  }
  return {
    id: user.id,
    userName: user.userName,
    ...(user.displayName === undefined
      ? {}
      : { displayName: user.displayName }),
  };
}
