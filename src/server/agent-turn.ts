import { randomBytes } from "node:crypto";
import type { ModelMessage } from "ai";
import type { Context } from "hono";
import type { AgentEvent } from "../agent/agent-events.js";
import {
  containsAssistantTurns,
  normalizeHistory,
} from "../agent/conversation-history.js";
import {
  type Conversations,
  conversationScopeOf,
} from "../agent/conversations.js";
import { type AgentDependencies, runAgent } from "../agent/run-agent.js";
import { TurnTranscript } from "../agent/turn-transcript.js";
import { InvalidRequestError } from "../errors/errors.js";
import {
  requireRequestScope,
  runInRequestScope,
} from "../identity/request-context.js";
import { moduleLogger } from "../logging/logger.js";

const logger = moduleLogger("agent-turn");

/** Request and response header that carries the agent conversation id, on every route. */
export const conversationIdHeader = "x-behalf-conversation-id";

/** Request header with which MLflow clients ask for the trace id of the turn. */
export const returnTraceIdHeader = "x-mlflow-return-trace-id";

/** Dependencies the agent routes share. */
export interface AgentServices {
  agent: AgentDependencies;
  conversations: Conversations;
  /** Milliseconds of silence after which a stream gets an SSE comment line. */
  keepaliveMilliseconds: number;
}

export interface TurnRequest {
  /** `context.conversation_id` from the body, for protocols that have one. */
  bodyConversationId: string | undefined;
  /** The client's messages, converted to model messages. */
  messages: ModelMessage[];
  /** The wire protocol, for logs: `responses`, `chat-agent` or `openai-chat`. */
  protocol: string;
}

export interface AgentTurn {
  conversationId: string;
  /** Present when the client sent `x-mlflow-return-trace-id: true`. */
  traceId: string | undefined;
  /** The turn's events; iterate them to the end, because the conversation is saved then. */
  events: AsyncIterable<AgentEvent>;
}

/**
 * Starts an agent turn for the current request. The conversation comes from the
 * `x-behalf-conversation-id` header or the body's `context.conversation_id`, and must
 * belong to the user of the token (NotFoundError otherwise, before any model or tool
 * call). When the client sends only new input, the stored history goes first. When it
 * sends a whole conversation (assistant or tool messages), that is used as sent. The
 * response gets the conversation id header.
 */
export async function startAgentTurn(
  context: Context,
  services: AgentServices,
  request: TurnRequest,
): Promise<AgentTurn> {
  const scope = requireRequestScope("An agent turn");
  const requestedId = chooseConversationId(
    context.req.header(conversationIdHeader),
    request.bodyConversationId,
  );
  const record = await services.conversations.open(requestedId, scope.user.id);

  const continuesStoredHistory = !containsAssistantTurns(request.messages);
  const history = normalizeHistory(
    continuesStoredHistory
      ? [...record.messages, ...request.messages]
      : request.messages,
  );
  // NOTE: no trace is exported to MLflow yet; the id only ties the client's copy to behalf's log lines.
  const traceId = `tr-${randomBytes(16).toString("hex")}`;
  context.header(conversationIdHeader, record.id);

  const events = runInRequestScope(
    { ...scope, conversation: conversationScopeOf(record) },
    () => runAgent(services.agent, { messages: history, signal: scope.signal }),
  );
  const log = logger.child({
    conversationId: record.id,
    traceId,
    protocol: request.protocol,
  });
  log.info(
    {
      historyMessages: history.length,
      storedHistoryUsed: continuesStoredHistory && record.messages.length > 0,
    },
    "agent turn started",
  );

  const transcript = new TurnTranscript();
  const save = () =>
    services.conversations.save(record, [...history, ...transcript.messages()]);
  return {
    conversationId: record.id,
    traceId: wantsTraceId(context) ? traceId : undefined,
    events: recordTurn(events, transcript, save, log),
  };
}

/** Returns the conversation id the request names, in the header or the body, but not two different ones. */
function chooseConversationId(
  header: string | undefined,
  body: string | undefined,
): string | undefined {
  const fromHeader = header?.trim() || undefined;
  const fromBody = body?.trim() || undefined;
  if (
    fromHeader !== undefined &&
    fromBody !== undefined &&
    fromHeader !== fromBody
  ) {
    throw new InvalidRequestError(
      `The ${conversationIdHeader} header (${JSON.stringify(fromHeader)}) and context.conversation_id (${JSON.stringify(fromBody)}) name different conversations. Send one of them, or the same id in both.`,
    );
  }
  return fromHeader ?? fromBody;
}

function wantsTraceId(context: Context): boolean {
  return context.req.header(returnTraceIdHeader)?.toLowerCase() === "true";
}

/** Passes the events on while building the transcript, and saves the conversation at the end. */
async function* recordTurn(
  events: AsyncIterable<AgentEvent>,
  transcript: TurnTranscript,
  save: () => Promise<void>,
  log: typeof logger,
): AsyncGenerator<AgentEvent> {
  const started = Date.now();
  let outcome = "incomplete";
  let stopReason: string | undefined;
  let toolCalls = 0;
  try {
    for await (const event of events) {
      transcript.accept(event);
      if (event.type === "tool-call") {
        toolCalls += 1;
      } else if (event.type === "finish") {
        outcome = "finished";
        stopReason = event.stop?.reason;
      } else if (event.type === "error") {
        outcome = event.error.code;
      }
      yield event;
    }
  } finally {
    try {
      await save();
    } catch (error) {
      log.error({ err: error }, "conversation not saved");
    }
    log.info(
      {
        outcome,
        stopReason,
        toolCalls,
        durationMilliseconds: Date.now() - started,
      },
      "agent turn ended",
    );
  }
}
