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

/** Routes the Temporal SDK's and workflows' logs through pino. */
export function installRuntimeLogger(logger: Logger): void {
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => logger[PINO_LEVEL[entry.level]](entry.meta ?? {}, entry.message)),
  });
}
