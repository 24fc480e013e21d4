import { type ServerType, serve } from "@hono/node-server";

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `fetch` on 127.0.0.1 at a free port. `close` also ends open keep-alive and
 * streaming connections, so a test's servers never outlive it.
 */
export async function serveOnLoopback(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<LoopbackServer> {
  const { server, port } = await new Promise<{
    server: ServerType;
    port: number;
  }>((resolve) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve({ server, port: info.port }),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) {
          server.closeAllConnections();
        }
        server.close(() => resolve());
      }),
  };
}
