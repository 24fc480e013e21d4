import { describe, expect, it } from "vitest";
import { InMemoryConversationStore } from "./conversation-store.js";
import { Conversations, conversationScopeOf } from "./conversations.js";

describe("Conversations", () => {
  it("hides a conversation from other users", async () => {
    const conversations = new Conversations(new InMemoryConversationStore());
    const record = await conversations.open("c1", "alice");
    await conversations.save(record, [{ role: "user", content: "q" }]);

    await expect(conversations.open("c1", "bob")).rejects.toMatchObject({
      code: "NOT_FOUND",
      status: 404,
    });
    expect((await conversations.open("c1", "alice")).messages).toHaveLength(1);
  });

  it("creates a conversation for an unused id or none", async () => {
    const conversations = new Conversations(new InMemoryConversationStore());
    expect((await conversations.open("fresh", "alice")).id).toBe("fresh");
    const generated = await conversations.open(undefined, "alice");
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.ownerId).toBe("alice");
  });

  it("rejects an id with characters outside the pattern", async () => {
    const conversations = new Conversations(new InMemoryConversationStore());
    await expect(conversations.open("a b", "alice")).rejects.toMatchObject({
      code: "INVALID_REQUEST",
    });
  });
});

describe("InMemoryConversationStore", () => {
  it("drops the least recently written record when full", async () => {
    const store = new InMemoryConversationStore(2);
    const conversations = new Conversations(store);
    for (const id of ["a", "b", "c"]) {
      await conversations.save(await conversations.open(id, "alice"), []);
    }
    expect(store.size).toBe(2);
    expect(await store.get("a")).toBeUndefined();
  });

  it("drops only the busy user's own conversations", async () => {
    const store = new InMemoryConversationStore(100, 2);
    const conversations = new Conversations(store);
    await conversations.save(await conversations.open("alice-1", "alice"), []);
    for (const id of ["bob-1", "bob-2", "bob-3", "bob-4"]) {
      await conversations.save(await conversations.open(id, "bob"), []);
    }
    expect(await store.get("alice-1")).toBeDefined();
    expect(await store.get("bob-1")).toBeUndefined();
    expect(await store.get("bob-2")).toBeUndefined();
    expect(await store.get("bob-4")).toBeDefined();
    expect(store.size).toBe(3);
  });

  it("hands out copies", async () => {
    const store = new InMemoryConversationStore();
    const conversations = new Conversations(store);
    await conversations.save(await conversations.open("a", "alice"), []);
    const copy = await store.get("a");
    copy?.messages.push({ role: "user", content: "changed" });
    expect((await store.get("a"))?.messages).toEqual([]);
  });
});

describe("conversationScopeOf", () => {
  it("runs work with one key one at a time", async () => {
    const scope = conversationScopeOf(
      await new Conversations(new InMemoryConversationStore()).open(
        "a",
        "alice",
      ),
    );
    const order: string[] = [];
    const slow = scope.runExclusive("space", async () => {
      order.push("slow start");
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push("slow end");
    });
    const fast = scope.runExclusive("space", async () => {
      order.push("fast");
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(["slow start", "slow end", "fast"]);
  });

  it("keeps going after a failed work", async () => {
    const scope = conversationScopeOf(
      await new Conversations(new InMemoryConversationStore()).open(
        "a",
        "alice",
      ),
    );
    const failed = scope.runExclusive("space", async () => {
      throw new Error("boom");
    });
    await expect(failed).rejects.toThrow("boom");
    await expect(scope.runExclusive("space", async () => 42)).resolves.toBe(42);
  });
});
