/**
 * [REQ-06] The operator's root logger: winston, one JSON object per line that starts
 * `{"log":"operator","time":"<ISO 8601>","level":...,"message":...}`, level from `ControllerConfig.logLevel`.
 * `log` and `time` are the fields audit records share (`"log":"audit"`, src/security/audit-record.ts), so the
 * two can go to one stream (audit.sink stdout) and be told apart by one field. Messages are constant; data goes in fields; each reconcile logs through
 * `logger.child({controller, namespace, name, reconcileId})` (winston's own child loggers).
 * [REQ-05] The last format is `redactedJson`: it redacts the whole entry (message, metadata, nested objects,
 * Errors, splat arguments) with src/security/redact.ts and serialises it itself, so no later format can add
 * unredacted data and no transport sees anything but the redacted line.
 */
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/types.js';
import { redact, redactFields } from '../security/redact.js';

export type Logger = winston.Logger;

export interface RootLoggerOptions {
  level: LogLevel;
  /** Where lines go; standard output when omitted. */
  destination?: Writable;
  /** Fields added to every line, e.g. {component: 'virtfleet'}. */
  defaultMeta?: Record<string, unknown>;
}

const MESSAGE = Symbol.for('message');
const SPLAT = Symbol.for('splat');

/** The `log` field of every log line. */
export const OPERATOR_LOG_STREAM = 'operator';

/** Redacts a whole log entry and sets the serialised line winston's transports write. */
const redactedJson = winston.format((info) => {
  const { level, message, ...meta } = info;
  const fields = redactFields({ log: OPERATOR_LOG_STREAM, time: new Date().toISOString(), level, message, ...meta });
  const unmerged = unmergedArguments(info);
  if (unmerged.length > 0) fields.splat = redact(unmerged);
  (info as unknown as Record<symbol, unknown>)[MESSAGE] = JSON.stringify(fields);
  return info;
});

/**
 * Arguments after the message that winston did not merge into the entry (it merges only a first object
 * argument), so that they are logged, redacted, rather than silently dropped.
 */
function unmergedArguments(info: winston.Logform.TransformableInfo): unknown[] {
  const splat = (info as unknown as Record<symbol, unknown>)[SPLAT];
  if (!Array.isArray(splat)) return [];
  const [first, ...rest] = splat as unknown[];
  const firstWasMerged = typeof first === 'object' && first !== null
    && Object.keys(first).every((key) => key in info);
  return firstWasMerged ? rest : splat;
}

/** Builds the root logger; call once at start-up and pass it (or children of it) down. */
export function createRootLogger(options: RootLoggerOptions): Logger {
  const transport = options.destination === undefined
    ? new winston.transports.Console()
    : new winston.transports.Stream({ stream: options.destination });
  return winston.createLogger({
    level: options.level,
    defaultMeta: options.defaultMeta,
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      redactedJson(),
    ),
    transports: [transport],
  });
}
