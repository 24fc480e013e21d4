/**
 * offline-router: a deterministic planner that replaces a chat model when no model
 * server is configured. It calls the tool whose name and description share
 * the most words with the question, passing the question on verbatim, and then
 * writes the final answer from the tool results. It is not a language model.
 */
import { contentWords, countSharedWords } from "../text/word-overlap.js";
import {
  type ChatCompletionRequest,
  type ChatMessage,
  type ChatTool,
  messageText,
} from "./chat-request.js";
import {
  type ToolResult,
  writeAnswerFromToolResults,
} from "./tool-result-answer.js";

export const offlineRouterModel = "offline-router";

export type RouterDecision =
  | { kind: "answer"; content: string }
  | { kind: "tool-call"; toolName: string; arguments: Record<string, unknown> };

/** Parameter names that take the user's question as a whole. */
const questionParameterPattern = /question|query|prompt|text|input|message/i;

/** Decides the next assistant turn for `request`: a tool call or a text answer. */
export function planReply(request: ChatCompletionRequest): RouterDecision {
  const messages = request.messages;
  const lastUserIndex = findLastUserIndex(messages);
  if (lastUserIndex === -1) {
    return answer(
      "offline-router needs a user message to answer. This request has none.",
    );
  }

  const toolResults = collectToolResults(request, lastUserIndex);
  if (toolResults.length > 0) {
    return answer(writeAnswerFromToolResults(toolResults));
  }

  const question = messageText(messages[lastUserIndex] ?? { role: "user" });
  const tools = request.tools ?? [];
  if (tools.length === 0 || request.tool_choice === "none") {
    return answer(
      "offline-router is a deterministic planner, not a language model: it answers only by calling tools, and this request allows none.",
    );
  }

  const tool =
    chooseTool(question, tools, request.tool_choice) ??
    previousTool(messages.slice(0, lastUserIndex), tools);
  if (!tool) {
    return answer(
      describeTools("No available tool matches this question.", tools),
    );
  }
  const toolArguments = fillArguments(tool, question);
  if (!toolArguments) {
    return answer(
      describeTools(
        `The tool ${tool.function.name} needs parameters that offline-router cannot fill from the question.`,
        tools,
      ),
    );
  }
  return {
    kind: "tool-call",
    toolName: tool.function.name,
    arguments: toolArguments,
  };
}

function findLastUserIndex(messages: readonly ChatMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    if (messages[index]?.role === "user") {
      return index;
    }
  }
  return -1;
}

function answer(content: string): RouterDecision {
  return { kind: "answer", content };
}

/** Collects the tool messages after the last user message, each named by the call that requested it. */
function collectToolResults(
  request: ChatCompletionRequest,
  lastUserIndex: number,
): ToolResult[] {
  const toolNamesByCallId = new Map<string, string>();
  const results: ToolResult[] = [];
  for (const message of request.messages.slice(lastUserIndex + 1)) {
    for (const call of message.tool_calls ?? []) {
      toolNamesByCallId.set(call.id, call.function.name);
    }
    if (message.role === "tool") {
      results.push({
        toolName: message.tool_call_id
          ? toolNamesByCallId.get(message.tool_call_id)
          : undefined,
        content: messageText(message),
      });
    }
  }
  return results;
}

/**
 * Picks a named tool for a forced `tool_choice`, else the best-scoring tool (ties go
 * to the first listed). With `required`, the first tool is used when none scores.
 */
function chooseTool(
  question: string,
  tools: readonly ChatTool[],
  toolChoice: ChatCompletionRequest["tool_choice"],
): ChatTool | undefined {
  if (typeof toolChoice === "object") {
    return tools.find(
      (tool) => tool.function.name === toolChoice.function.name,
    );
  }

  // A question written as SQL belongs to a tool that takes a statement, whatever its words.
  if (sqlStatementStart.test(question)) {
    const statementTool = tools.find((tool) => hasParameter(tool, "statement"));
    if (statementTool !== undefined) {
      return statementTool;
    }
  }

  const questionWords = contentWords(question);
  let best: ChatTool | undefined;
  let bestScore = 0;
  for (const tool of tools) {
    const toolWords = contentWords(
      `${tool.function.name} ${tool.function.description ?? ""}`,
    );
    const score = countSharedWords(questionWords, toolWords);
    if (score > bestScore) {
      best = tool;
      bestScore = score;
    }
  }
  return best ?? (toolChoice === "required" ? tools[0] : undefined);
}

const sqlStatementStart = /^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN)\b/i;

function hasParameter(tool: ChatTool, name: string): boolean {
  const schema = (tool.function.parameters ?? {}) as JsonSchemaObject;
  return Object.hasOwn(schema.properties ?? {}, name);
}

/**
 * Returns the tool the conversation called last, for follow-ups such as "And in March?"
 * that share no words with any tool description but continue the previous question.
 */
function previousTool(
  earlier: readonly ChatMessage[],
  tools: readonly ChatTool[],
): ChatTool | undefined {
  for (let index = earlier.length - 1; index >= 0; index -= 1) {
    const calls = earlier[index]?.tool_calls ?? [];
    const name = calls.at(-1)?.function.name;
    if (name !== undefined) {
      return tools.find((tool) => tool.function.name === name);
    }
  }
  return undefined;
}

interface JsonSchemaObject {
  properties?: Record<string, { type?: unknown }>;
  required?: unknown;
}

/**
 * Builds the arguments: the question goes into the string parameter whose name looks
 * like a question, or else into the only required string parameter. Returns undefined
 * when another required parameter would stay empty.
 */
function fillArguments(
  tool: ChatTool,
  question: string,
): Record<string, unknown> | undefined {
  const schema = (tool.function.parameters ?? {}) as JsonSchemaObject;
  const properties = schema.properties ?? {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((name): name is string => typeof name === "string")
    : [];
  const stringNames = Object.keys(properties).filter((name) =>
    isStringType(properties[name]?.type),
  );

  const requiredStrings = stringNames.filter((name) => required.includes(name));
  const target =
    stringNames.find((name) => questionParameterPattern.test(name)) ??
    (requiredStrings.length === 1 ? requiredStrings[0] : undefined) ??
    (stringNames.length === 1 ? stringNames[0] : undefined);
  if (target === undefined) {
    return undefined;
  }
  if (required.some((name) => name !== target)) {
    return undefined;
  }
  return { [target]: question };
}

function isStringType(type: unknown): boolean {
  return type === "string" || (Array.isArray(type) && type.includes("string"));
}

function describeTools(reason: string, tools: readonly ChatTool[]): string {
  const lines = tools.map((tool) => {
    const description = tool.function.description?.trim();
    return description
      ? `- ${tool.function.name}: ${description}`
      : `- ${tool.function.name}`;
  });
  return [
    `${reason} offline-router is a deterministic planner, not a language model, so it can only pass a question to a matching tool.`,
    `The available tools answer:\n${lines.join("\n")}`,
  ].join("\n\n");
}
