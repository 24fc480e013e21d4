/**
 * Forwards chat completions to an OpenAI-compatible model server. The request goes
 * out with the workspace's own model API key: the caller's Databricks token never
 * leaves the local workspace.
 */
import type { LocalWorkspaceRuntimeOptions } from "../contracts.js";

export interface ModelProxyTarget {
  /** Base URL; `/chat/completions` is appended. */
  modelUrl: string;
  modelApiKey: LocalWorkspaceRuntimeOptions["modelApiKey"];
  /** Sent as `model`, replacing the endpoint name the client used. */
  modelName: string;
}

/** Thrown when the model server cannot be reached at all. */
export class ModelServerUnreachableError extends Error {
  constructor(modelUrl: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`The model server at ${modelUrl} could not be reached: ${reason}`, {
      cause,
    });
    this.name = "ModelServerUnreachableError";
  }
}

/**
 * Sends `body` with `model` replaced and returns the model server's response as it
 * came: status, content type and body, which streams through unchanged.
 */
export async function forwardChatCompletion(
  body: Record<string, unknown>,
  target: ModelProxyTarget,
  signal: AbortSignal,
): Promise<Response> {
  const url = `${target.modelUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (target.modelApiKey) {
    headers.authorization = `Bearer ${target.modelApiKey}`;
  }

  let upstream: Response;
  try {
    upstream = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ ...body, model: target.modelName }),
      signal,
    });
  } catch (error) {
    throw new ModelServerUnreachableError(target.modelUrl, error);
  }

  const responseHeaders = new Headers({
    "served-model-name": target.modelName,
  });
  const contentType = upstream.headers.get("content-type");
  if (contentType) {
    responseHeaders.set("content-type", contentType);
  }
  return new Response(upstream.body, {
    status: upstream.status,
    headers: responseHeaders,
  });
}
