import { durationMs } from '../domain/duration.js';
import { DEFAULT_SETTINGS } from '../domain/playbook-input.js';
import { attemptMarginMs } from './heartbeat.js';

/** The per-request limits a worker takes from its environment (undefined: the client's default). */
export interface RequestTimeouts {
  REVOKER_AWS_REQUEST_TIMEOUT_MS?: number;
  REVOKER_GRAPH_REQUEST_TIMEOUT_MS?: number;
  REVOKER_GCP_REQUEST_TIMEOUT_MS?: number;
}

/**
 * Refuses a per-request timeout that does not fit inside a step's attempt: the steps' start-to-close
 * timeout (DEFAULT_SETTINGS.activityTimeout) less the margin at which an attempt's calls are aborted
 * (worker/heartbeat.ts). A longer one would never fire, and would read as if a call could run on past
 * the point where Temporal retries the step and another attempt writes.
 */
export function assertRequestTimeoutsFit(
  timeouts: RequestTimeouts,
  activityTimeout = DEFAULT_SETTINGS.activityTimeout,
): void {
  const attemptMs = durationMs(activityTimeout);
  const limit = attemptMs - attemptMarginMs(attemptMs);
  const named: [string, number | undefined][] = [
    ['REVOKER_AWS_REQUEST_TIMEOUT_MS', timeouts.REVOKER_AWS_REQUEST_TIMEOUT_MS],
    ['REVOKER_GRAPH_REQUEST_TIMEOUT_MS', timeouts.REVOKER_GRAPH_REQUEST_TIMEOUT_MS],
    ['REVOKER_GCP_REQUEST_TIMEOUT_MS', timeouts.REVOKER_GCP_REQUEST_TIMEOUT_MS],
  ];
  const tooLong = named.filter(([, ms]) => ms !== undefined && ms > limit);
  if (!tooLong.length) return;
  const names = tooLong.map(([name, ms]) => `${name}=${String(ms)}`).join(', ');
  throw new Error(
    `${names}: a request timeout must be at most ${limit} ms, shorter than the steps' ${activityTimeout} start-to-close timeout (less ${attemptMarginMs(attemptMs)} ms), so a slow cloud call ends before Temporal retries its step; lower it`,
  );
}
