import { Hono } from "hono";
import { scimId } from "../auth/principals.js";
import { requireToken } from "../auth/require-token.js";
import type {
  LocalWorkspaceEnv,
  Principal,
  WorkspaceDefinition,
} from "../contracts.js";

const scimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";

/** Direct groups of a principal, from the definition. */
function directGroupsOf(
  definition: WorkspaceDefinition,
  principal: Principal,
): readonly string[] {
  if (principal.kind === "user") {
    return (
      definition.users.find((user) => user.userName === principal.userName)
        ?.groups ?? []
    );
  }
  return (
    definition.servicePrincipals.find(
      (servicePrincipal) =>
        servicePrincipal.applicationId === principal.userName,
    )?.groups ?? []
  );
}

/**
 * Builds the SCIM User of the caller. Groups list direct memberships as `direct` and
 * groups reached through other groups as `indirect`, as Databricks does.
 */
export function scimUser(
  definition: WorkspaceDefinition,
  principal: Principal,
): Record<string, unknown> {
  const direct = new Set(directGroupsOf(definition, principal));
  const groups = principal.groups.map((name) => ({
    display:
      definition.groups.find((group) => group.name === name)?.displayName ??
      name,
    type: direct.has(name) ? "direct" : "indirect",
    value: scimId(name),
    $ref: `Groups/${scimId(name)}`,
  }));
  const emails =
    principal.kind === "user"
      ? [{ value: principal.userName, primary: true, type: "work" }]
      : [];

  const user: Record<string, unknown> = {
    schemas: [scimUserSchema],
    id: principal.id,
    userName: principal.userName,
    displayName: principal.displayName,
    active: true,
    emails,
    groups,
  };
  if (principal.kind === "service_principal") {
    user.applicationId = principal.userName;
  }
  return user;
}

/**
 * `GET /api/2.0/preview/scim/v2/Me`: the caller as a SCIM User, for any valid token.
 * The `X-Databricks-Org-Id` header carries the workspace id.
 */
export function createScimRoutes(
  definition: WorkspaceDefinition,
): Hono<LocalWorkspaceEnv> {
  const app = new Hono<LocalWorkspaceEnv>();
  app.get("/api/2.0/preview/scim/v2/Me", requireToken("any"), (context) =>
    context.json(scimUser(definition, context.get("principal")), 200, {
      "X-Databricks-Org-Id": definition.workspaceId,
    }),
  );
  return app;
}
