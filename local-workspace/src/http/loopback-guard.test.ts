import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { requireJsonBody, requireLoopbackHost } from "./loopback-guard.js";

function application(): Hono {
  const app = new Hono();
  app.use("*", requireLoopbackHost("127.0.0.1"));
  app.use("/local/api/*", requireJsonBody());
  app.all("*", (context) => context.text("ok"));
  return app;
}

describe("requireLoopbackHost", () => {
  it.each(["127.0.0.1:8001", "localhost:8001", "[::1]:8001", "LOCALHOST"])(
    "accepts Host %s",
    async (host) => {
      const response = await application().request("/x", {
        headers: { Host: host },
      });
      expect(response.status).toBe(200);
    },
  );

  it("rejects a rebound domain name", async () => {
    const response = await application().request("/x", {
      headers: { Host: "attacker.example:8001" },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      error_code: "PERMISSION_DENIED",
    });
  });
});

describe("requireJsonBody", () => {
  it("rejects a form post", async () => {
    const response = await application().request("/local/api/tokens", {
      method: "POST",
      headers: {
        Host: "127.0.0.1",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: "userName=alice%40example.com",
    });
    expect(response.status).toBe(415);
  });

  it("accepts JSON", async () => {
    const response = await application().request("/local/api/tokens", {
      method: "POST",
      headers: {
        Host: "127.0.0.1",
        "Content-Type": "application/json; charset=utf-8",
      },
      body: "{}",
    });
    expect(response.status).toBe(200);
  });
});
