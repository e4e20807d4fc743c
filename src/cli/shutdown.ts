/**
 * [REQ-01] Graceful shutdown of a long-running command: waits for the first SIGTERM or SIGINT, then runs
 * `stop`; a second signal while stopping exits at once with 1.
 */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const FORCED_EXIT_CODE = 1;

/** Resolves on the first SIGTERM or SIGINT. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of SHUTDOWN_SIGNALS) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of SHUTDOWN_SIGNALS) process.once(name, onSignal);
  });
}

export async function stopOnSignal(stop: () => Promise<void>): Promise<void> {
  await shutdownSignal();
  const forceExit = (): never => process.exit(FORCED_EXIT_CODE);
  for (const signal of SHUTDOWN_SIGNALS) process.once(signal, forceExit);
  try {
    await stop();
  } finally {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, forceExit);
  }
}
