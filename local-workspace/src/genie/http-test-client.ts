/**
 * A small Genie HTTP client for the integration tests: plain fetch against a running
 * local workspace, so the tests see exactly the status codes, headers and bodies.
 */
import type {
  GenieSpaceDefinition,
  WorkspaceDefinition,
} from "../contracts.js";

export interface GenieResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely.
  body: any;
}

const terminalStatuses = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "QUERY_RESULT_EXPIRED",
]);

export class GenieTestClient {
  readonly #baseUrl: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#baseUrl = baseUrl;
    this.#token = token;
  }

  /** Sends a request to `/api/2.0/genie/<path>` with the client's token. */
  async call(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<GenieResponse> {
    const response = await fetch(`${this.#baseUrl}/api/2.0/genie/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? undefined : JSON.parse(text),
    };
  }

  /** Polls a message until it reaches an end status and returns every status seen. */
  async waitForMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    timeoutMilliseconds = 30_000,
  ): Promise<{ statuses: string[]; message: GenieResponse["body"] }> {
    const startedAt = Date.now();
    const statuses: string[] = [];
    for (;;) {
      const polled = await this.call(
        "GET",
        `spaces/${spaceId}/conversations/${conversationId}/messages/${messageId}`,
      );
      if (polled.status !== 200) {
        throw new Error(
          `Polling message ${messageId} returned ${polled.status}: ${JSON.stringify(polled.body)}`,
        );
      }
      if (statuses.at(-1) !== polled.body.status) {
        statuses.push(polled.body.status);
      }
      if (terminalStatuses.has(polled.body.status)) {
        return { statuses, message: polled.body };
      }
      if (Date.now() - startedAt > timeoutMilliseconds) {
        throw new Error(`Message ${messageId} is still ${polled.body.status}.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Polls `spaces/.../messages/<id>` until its status is `status`, and returns the message. */
  async waitForMessageStatus(
    messagePath: string,
    status: string,
    timeoutMilliseconds = 10_000,
  ): Promise<GenieResponse["body"]> {
    const startedAt = Date.now();
    for (;;) {
      const polled = await this.call("GET", messagePath);
      if (polled.body?.status === status) {
        return polled.body;
      }
      if (Date.now() - startedAt > timeoutMilliseconds) {
        throw new Error(
          `${messagePath} is still ${polled.body?.status} (HTTP ${polled.status}), not ${status}.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Starts a conversation, or adds to one, and waits for the answer. */
  async ask(spaceId: string, question: string, conversationId?: string) {
    const created =
      conversationId === undefined
        ? await this.call("POST", `spaces/${spaceId}/start-conversation`, {
            content: question,
          })
        : await this.call(
            "POST",
            `spaces/${spaceId}/conversations/${conversationId}/messages`,
            { content: question },
          );
    if (created.status !== 200) {
      throw new Error(
        `Asking '${question}' returned ${created.status}: ${JSON.stringify(created.body)}`,
      );
    }
    const ids = {
      conversationId: created.body.conversation_id as string,
      messageId: (created.body.message_id ?? created.body.id) as string,
    };
    const { statuses, message } = await this.waitForMessage(
      spaceId,
      ids.conversationId,
      ids.messageId,
    );
    return { ...ids, statuses, message };
  }

  /** Reads the query result of a finished message's query attachment. */
  async queryResult(
    spaceId: string,
    conversationId: string,
    message: GenieResponse["body"],
  ): Promise<GenieResponse> {
    const attachment = (
      message.attachments as { attachment_id: string; query?: unknown }[]
    ).find((candidate) => candidate.query !== undefined);
    if (!attachment) {
      throw new Error(`Message ${message.message_id} has no query attachment.`);
    }
    return this.call(
      "GET",
      `spaces/${spaceId}/conversations/${conversationId}/messages/${message.message_id}/attachments/${attachment.attachment_id}/query-result`,
    );
  }
}

/** Returns the value of the column whose name contains `fragment` in the first row. */
export function firstRowCell(
  statement: {
    manifest: { schema: { columns: { name: string }[] } };
    result: { data_array: (string | null)[][] };
  },
  fragment: string,
): string | null | undefined {
  const index = statement.manifest.schema.columns.findIndex((column) =>
    column.name.includes(fragment),
  );
  return statement.result.data_array[0]?.[index];
}

/** Returns the demo's Genie space over the flights table, wherever the definition lists it. */
export function findFlightsSpace(
  definition: WorkspaceDefinition,
): GenieSpaceDefinition {
  const space = definition.genieSpaces.find((candidate) =>
    candidate.tables.some((table) => table.endsWith(".flights")),
  );
  if (!space) {
    throw new Error("The definition has no Genie space over a flights table.");
  }
  return space;
}
