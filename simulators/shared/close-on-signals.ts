/** Lets a CLI-started simulator persist its state on Ctrl-C or a container stop. */
export function closeOnSignals(simulator: { close(): Promise<void> }): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void simulator.close().then(() => process.exit(0));
    });
  }
}
