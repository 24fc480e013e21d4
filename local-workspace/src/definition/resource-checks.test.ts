import { describe, expect, it } from "vitest";
import type { AppDefinition } from "../contracts.js";
import { parseWorkspaceDefinition } from "./load-definition.js";
import { demoCopy, problemLines } from "./test-support.js";

const agentApplicationId = "6f1c0d52-4b7e-4d0e-9a51-3c2b7f5e8a10";

function demoApp(): AppDefinition {
  return {
    name: "behalf-demo",
    description: "The agent server, acting as the user who asks.",
    servicePrincipal: agentApplicationId,
    userApiScopes: ["sql", "dashboards.genie"],
    resources: [
      {
        name: "serving-endpoint",
        servingEndpoint: { name: "local-chat", permission: "CAN_QUERY" },
      },
      {
        name: "genie-space",
        genieSpace: {
          spaceId: "01f0c0ffee5ca1ab1e000000000f1a7e",
          permission: "CAN_RUN",
        },
      },
      {
        name: "sql-warehouse",
        sqlWarehouse: { id: "4b9e0c6f7a2d1e35", permission: "CAN_USE" },
      },
    ],
  };
}

describe("app checks", () => {
  it("accept an app with its three kinds of resources", async () => {
    const definition = await demoCopy();
    definition.app = demoApp();

    const parsed = parseWorkspaceDefinition(definition, "app");

    expect(parsed.app).toEqual(demoApp());
  });

  it("name unknown service principals and resources", async () => {
    const definition = await demoCopy();
    const app = demoApp();
    app.servicePrincipal = "alice@example.com";
    app.resources = [
      {
        name: "serving-endpoint",
        servingEndpoint: { name: "local-chatt", permission: "CAN_QUERY" },
      },
      {
        name: "genie-space",
        genieSpace: { spaceId: "0000", permission: "CAN_RUN" },
      },
      {
        name: "genie-space",
        sqlWarehouse: { id: "ffff", permission: "CAN_USE" },
      },
    ];
    definition.app = app;

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "app.yaml"),
    );

    expect(lines).toEqual([
      `app.yaml: app.servicePrincipal: unknown service principal "alice@example.com"; use the applicationId of one under servicePrincipals: ${agentApplicationId}`,
      'app.yaml: app.resources[2].name: duplicate resource key "genie-space", already used at app.resources[1].name; give each one a unique name',
      'app.yaml: app.resources[0].servingEndpoint.name: unknown serving endpoint "local-chatt"; use one under servingEndpoints: local-chat',
      'app.yaml: app.resources[1].genieSpace.spaceId: unknown Genie space "0000"; use the id of one under genieSpaces: 01f0c0ffee5ca1ab1e000000000f1a7e, 01f0c0ffee5ca1ab1e000000000b1d5e',
      'app.yaml: app.resources[2].sqlWarehouse.id: unknown warehouse "ffff"; use the id of one under warehouses: 4b9e0c6f7a2d1e35',
    ]);
  });

  it("reject a permission the app resource cannot carry", async () => {
    const definition = await demoCopy();
    const app = demoApp() as unknown as {
      resources: { genieSpace?: { permission: string } }[];
    };
    const genieSpace = app.resources[1]?.genieSpace;
    if (genieSpace !== undefined) {
      genieSpace.permission = "CAN_MANAGE";
    }
    (definition as unknown as { app: unknown }).app = app;

    const lines = problemLines(() =>
      parseWorkspaceDefinition(definition, "level.yaml"),
    );

    expect(lines).toEqual([
      'level.yaml: app.resources[1].genieSpace.permission: expected "CAN_RUN", got "CAN_MANAGE"',
    ]);
  });
});
