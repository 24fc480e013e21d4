import {
  type EventSourceMessage,
  EventSourceParserStream,
} from "eventsource-parser/stream";

/** Returns the parsed server-sent events of a response, without comment lines. */
export function sseEvents(
  response: Response,
): ReadableStream<EventSourceMessage> {
  if (response.body === null) {
    throw new Error(`The response (HTTP ${response.status}) has no body.`);
  }
  return response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
}

/** Reads every `data:` payload of a streamed response, `[DONE]` included. */
export async function readSseData(response: Response): Promise<string[]> {
  const data: string[] = [];
  for await (const event of sseEvents(response)) {
    data.push(event.data);
  }
  return data;
}

/** Reads a streamed response and parses every payload except `[DONE]` as JSON. */
export async function readSseJson(
  response: Response,
): Promise<Record<string, unknown>[]> {
  return (await readSseData(response))
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}
