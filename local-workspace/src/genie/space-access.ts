import { createHash } from "node:crypto";
/** Genie space permissions: who may see a space, ask it questions or manage it. */
import type {
  GenieSpaceDefinition,
  GenieSpacePermissionLevel,
  Principal,
  WorkspaceDefinition,
} from "../contracts.js";
import { GenieRequestError } from "./genie-request-error.js";

/** The parts of a principal Genie needs: who owns what, and whose role runs the SQL. */
export type GeniePrincipal = Pick<Principal, "id" | "userName" | "groups">;

const permissionRanks: Record<GenieSpacePermissionLevel, number> = {
  CAN_VIEW: 0,
  CAN_RUN: 1,
  CAN_EDIT: 2,
  CAN_MANAGE: 3,
};

/** Returns whether the principal, directly or through a group, has `level` or a higher level on the space. */
export function hasSpacePermission(
  space: GenieSpaceDefinition,
  principal: GeniePrincipal,
  level: GenieSpacePermissionLevel,
): boolean {
  return space.permissions.some(
    (permission) =>
      (permission.principal === principal.userName ||
        principal.groups.includes(permission.principal)) &&
      permissionRanks[permission.level] >= permissionRanks[level],
  );
}

/**
 * Returns the space when the principal has `level` on it. Databricks returns
 * RESOURCE_DOES_NOT_EXIST both for an unknown space and for one the caller may not
 * use, so that space ids do not leak.
 */
export function requireSpace(
  definition: WorkspaceDefinition,
  spaceId: string,
  principal: GeniePrincipal,
  level: GenieSpacePermissionLevel,
): GenieSpaceDefinition {
  const space = definition.genieSpaces.find(
    (candidate) => candidate.id === spaceId,
  );
  if (!space || !hasSpacePermission(space, principal, level)) {
    throw new GenieRequestError(
      404,
      "RESOURCE_DOES_NOT_EXIST",
      `Genie space ${spaceId} does not exist or you do not have ${level} permission on it.`,
    );
  }
  return space;
}

/** Time the workspace started, reported as every space's creation and update time. */
const spacesLoadedAt = new Date().toISOString();

/** Builds the `GenieSpace` body of the list-spaces and get-space routes. */
export function spaceView(space: GenieSpaceDefinition) {
  return {
    space_id: space.id,
    title: space.title,
    description: space.description,
    warehouse_id: space.warehouseId,
    // Spaces come from the definition file, so they live in no workspace folder and
    // change only when the workspace restarts; the etag names that version.
    parent_path: "/Workspace/Shared/Genie",
    etag: createHash("sha256")
      .update(JSON.stringify(space))
      .digest("hex")
      .slice(0, 16),
    create_time: spacesLoadedAt,
    update_time: spacesLoadedAt,
  };
}
