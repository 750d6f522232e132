import { DefaultLogger, Runtime, type LogLevel, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from 'pino';

// JSON lines with secrets' fields redacted (connect/logging.ts).
export { createLogger } from '../connect/logging.js';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

// Expected when one process polls a workflow-only and an activity-only queue: not worth a warning.
const EXPECTED = /^No (activities|workflows|Nexus services) registered/;

/**
 * Routes the Temporal SDK's, the workflows' and the activities' logs through pino, and the SDK core's own (forwarded
 * from the native side, WARN and up unless TEMPORAL_LOG_LEVEL is DEBUG, TRACE or ERROR), so the process writes one JSON stream;
 * with `metrics`, the runtime also serves Prometheus (worker/operations.ts).
 */
export function installRuntimeLogger(logger: Logger, metrics?: TelemetryOptions['metrics']): void {
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  const core: LogLevel = level === 'TRACE' || level === 'DEBUG' || level === 'ERROR' ? level : 'WARN';
  Runtime.install({
    telemetryOptions: { logging: { filter: { core, other: 'ERROR' }, forward: {} }, ...(metrics ? { metrics } : {}) },
    logger: new DefaultLogger(level, (entry) => {
      if (EXPECTED.test(entry.message)) return;
      // The bundler's webpack report is for debugging the bundle, not for every start.
      const message = entry.message.startsWith('asset workflow-bundle') ? 'workflow bundle compiled' : entry.message;
      logger[PINO_LEVEL[entry.level]](entry.meta ?? {}, message);
    }),
  });
}
