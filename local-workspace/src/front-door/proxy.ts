/** Forwarding one request from the front door to the app, streaming both ways. */

/** Connection-level headers (RFC 9110 section 7.6.1) that a proxy must not pass on. */
const hopByHopHeaders = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Request headers the client may not choose: the identity headers the front door sets
 * itself (`X-Forwarded-*`, `X-Real-Ip`, `X-Request-Id`, RFC 7239 `Forwarded`), the
 * client's own credentials, and headers that `fetch` computes for the new request.
 */
function isReplacedRequestHeader(name: string): boolean {
  return (
    name.startsWith("x-forwarded-") ||
    name === "x-real-ip" ||
    name === "x-request-id" ||
    name === "forwarded" ||
    name === "authorization" ||
    name === "cookie" ||
    name === "host" ||
    name === "content-length" ||
    name === "accept-encoding"
  );
}

/** Names listed in the `Connection` header, which are hop-by-hop for this request too. */
function connectionOptions(headers: Headers): Set<string> {
  return new Set(
    (headers.get("connection") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
  );
}

/**
 * Builds the headers sent to the app: the client's headers without hop-by-hop,
 * identity and credential headers, the client's cookies except those `keepCookie`
 * rejects, and then `identityHeaders`.
 */
export function buildUpstreamHeaders(
  incoming: Headers,
  identityHeaders: Record<string, string>,
  keepCookie: (name: string) => boolean,
): Headers {
  const dropped = connectionOptions(incoming);
  const headers = new Headers();
  for (const [name, value] of incoming) {
    if (
      hopByHopHeaders.has(name) ||
      dropped.has(name) ||
      isReplacedRequestHeader(name)
    ) {
      continue;
    }
    headers.append(name, value);
  }

  const cookies = (incoming.get("cookie") ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
    .filter((pair) => keepCookie(pair.split("=", 1)[0]?.trim() ?? ""));
  if (cookies.length > 0) {
    headers.set("cookie", cookies.join("; "));
  }

  // Compressed bodies would be decoded by fetch and re-sent with a stale
  // Content-Encoding, so the app is asked for identity encoding.
  headers.set("accept-encoding", "identity");
  for (const [name, value] of Object.entries(identityHeaders)) {
    headers.set(name, value);
  }
  return headers;
}

/** The outcome of a proxied response body. */
export type StreamEnd = "complete" | "cap" | "failed" | "cancelled";

/**
 * Options of `forwardRequest`. `upstreamUrl` is the app's origin, such as
 * `http://127.0.0.1:41234`, and `capMilliseconds` limits the whole exchange, response
 * body included.
 */
export interface ForwardOptions {
  upstreamUrl: string;
  headers: Headers;
  capMilliseconds: number;
  /** Called once when the response body ends, or right away when there is none. */
  onEnd(end: StreamEnd): void;
  /** Closes the client's connection at once, without ending the response. */
  dropConnection(): void;
}

function jsonError(status: number, errorCode: string, message: string) {
  return Response.json({ error_code: errorCode, message }, { status });
}

/**
 * Passes `body` on chunk by chunk and reports how it ended, once. When the cap or the
 * client ends the exchange, it drops the client connection instead of ending the body,
 * so the client sees a truncated response rather than a complete one.
 */
function monitorBody(
  body: ReadableStream<Uint8Array>,
  signals: { cap: AbortSignal; client: AbortSignal },
  options: Pick<ForwardOptions, "onEnd" | "dropConnection">,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = (how: StreamEnd) => {
    if (!ended) {
      ended = true;
      options.onEnd(how);
    }
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end("complete");
          controller.close();
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        if (signals.cap.aborted || signals.client.aborted) {
          end(signals.cap.aborted ? "cap" : "cancelled");
          options.dropConnection();
          return;
        }
        end("failed");
        controller.error(error);
      }
    },
    cancel(reason) {
      end("cancelled");
      return reader.cancel(reason);
    },
  });
}

/**
 * Sends `request` to the app and returns its response as a stream, so server-sent
 * events pass through as the app writes them. The cap aborts the upstream request and
 * drops the client connection. A client that goes away aborts the upstream request too.
 */
export async function forwardRequest(
  request: Request,
  options: ForwardOptions,
): Promise<Response> {
  const cap = AbortSignal.timeout(options.capMilliseconds);
  const signal = AbortSignal.any([request.signal, cap]);
  const url = new URL(request.url);
  // Concatenation keeps a path such as `//other.example/x` on the app's origin, where
  // `new URL(path, base)` would read it as another host.
  const target = `${options.upstreamUrl}${url.pathname}${url.search}`;
  const hasBody = request.method !== "GET" && request.method !== "HEAD";

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers: options.headers,
      body: hasBody ? request.body : undefined,
      redirect: "manual",
      signal,
      // Node's fetch needs `duplex` to send a streamed request body.
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    if (cap.aborted) {
      options.onEnd("cap");
      return jsonError(
        504,
        "DEADLINE_EXCEEDED",
        `The app did not answer within the front door's limit of ${options.capMilliseconds / 1000} s per request.`,
      );
    }
    options.onEnd("failed");
    return jsonError(
      502,
      "BAD_GATEWAY",
      `The app at ${options.upstreamUrl} is not reachable: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  const dropped = connectionOptions(upstream.headers);
  const headers = new Headers();
  for (const [name, value] of upstream.headers) {
    if (!hopByHopHeaders.has(name) && !dropped.has(name)) {
      headers.append(name, value);
    }
  }

  if (upstream.body === null) {
    options.onEnd("complete");
    return new Response(null, { status: upstream.status, headers });
  }
  const signals = { cap, client: request.signal };
  return new Response(monitorBody(upstream.body, signals, options), {
    status: upstream.status,
    headers,
  });
}
