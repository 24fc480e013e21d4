/** Waits for SIGINT or SIGTERM, then closes `closeables` in reverse order. */
export async function waitForShutdown(
  closeables: { close(): Promise<void> }[],
): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  for (const closeable of [...closeables].reverse()) {
    await closeable.close().catch(() => undefined);
  }
}
