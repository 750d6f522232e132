import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { pino, type Logger } from 'pino';

export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? 'info' });
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

// Expected when one process polls a workflow-only and an activity-only queue: not worth a warning.
const EXPECTED = /^No (activities|workflows|Nexus services) registered/;

/** Routes the Temporal SDK's and workflows' logs through pino. */
export function installRuntimeLogger(logger: Logger): void {
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      if (EXPECTED.test(entry.message)) return;
      // The bundler's webpack report is for debugging the bundle, not for every start.
      const message = entry.message.startsWith('asset workflow-bundle') ? 'workflow bundle compiled' : entry.message;
      logger[PINO_LEVEL[entry.level]](entry.meta ?? {}, message);
    }),
  });
}
