/** Run `cleanup` once on SIGINT/SIGTERM, then exit. A second signal exits at once. */
export function onShutdown(cleanup: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\nReceived ${signal}, shutting down…`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    cleanup()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        console.error(`isobar: shutdown failed: ${err.message}`);
        process.exit(1);
      });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
