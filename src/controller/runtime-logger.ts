/**
 * [REQ-01] The logging surface the controller runtime needs. A winston Logger satisfies it; the runtime never
 * depends on a concrete logger. Messages are constant strings, data goes in `meta`.
 */
export interface RuntimeLogger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
  child(meta: Record<string, unknown>): RuntimeLogger;
}

/** Discards everything; the default when no logger is given. */
export const silentLogger: RuntimeLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};
