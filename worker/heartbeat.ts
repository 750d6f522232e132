import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { detailsOf, intentOf, runAttempt, settled, type Attempt } from '../activities/attempt.js';
import { ProviderUnavailableError } from '../activities/errors.js';

/**
 * How often a running activity heartbeats. Temporal tells an activity it was cancelled (the UI's
 * Cancel, `temporal workflow cancel`) only in the answer to a heartbeat, so without one the abort
 * signal the provider calls carry (activities/cancellation.ts) never fires for a cancellation; and a
 * worker that dies mid-call is noticed at the activity's `heartbeatTimeout` (DEFAULT_SETTINGS), not
 * at its start-to-close timeout. The workers forward heartbeats at this pace too
 * (`maxHeartbeatThrottleInterval`), so a cancellation reaches a call within about two intervals.
 */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * How long before an attempt's start-to-close timeout its provider calls are aborted: a tenth of the
 * timeout, from 0.5 to 5 s. Temporal starts the next attempt only after the timeout (and a backoff), so
 * a call of this attempt can no longer be in flight from this worker when the next one reads the state.
 */
export function attemptMarginMs(startToCloseTimeoutMs: number): number {
  return Math.min(5_000, Math.max(500, Math.round(startToCloseTimeoutMs / 10)));
}

export interface AttemptOptions {
  /**
   * Puts heartbeat details on the server and resolves once it answered (the client's
   * `client.activity.heartbeat`): a worker's own heartbeats are sent later and unacknowledged.
   */
  record?: (taskToken: Uint8Array, details: unknown) => Promise<void>;
}

/**
 * Runs each activity as one attempt (activities/attempt.ts): its provider calls end at cancellation and
 * just before its start-to-close timeout, an intent it records before a change reaches the server
 * before the change is sent, and an `already` after an earlier attempt's intent is that attempt's
 * `done`. It heartbeats every `intervalMs` while the activity runs, from its first interval on (calls
 * that answer at once send no heartbeat at all), always with the intent in force, so a heartbeat
 * never erases an earlier attempt's note.
 */
export function heartbeatWhileRunning(
  intervalMs = HEARTBEAT_INTERVAL_MS,
  options: AttemptOptions = {},
): ActivityInterceptorsFactory {
  return (context: Context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = context;
        const earlier = intentOf(info.heartbeatDetails);
        const deadline = new AbortController();
        const timeoutMs = info.startToCloseTimeoutMs;
        const margin = attemptMarginMs(timeoutMs);
        const timer = setTimeout(
          () =>
            deadline.abort(
              new ProviderUnavailableError(
                `the attempt ran out of time: its cloud calls end ${margin} ms before the step's ${timeoutMs} ms start-to-close timeout, so none can land after Temporal retries the step`,
              ),
            ),
          Math.max(0, timeoutMs - margin),
        );
        const attempt: Attempt = {
          signal: AbortSignal.any([context.cancellationSignal, deadline.signal]),
          ...(earlier ? { intent: earlier } : {}),
          record: async (details) => {
            context.heartbeat(details);
            await options.record?.(info.taskToken, details);
          },
        };
        const beat = setInterval(() => context.heartbeat(detailsOf(attempt)), intervalMs);
        try {
          return settled(await runAttempt(attempt, () => next(input)), earlier);
        } finally {
          clearInterval(beat);
          clearTimeout(timer);
        }
      },
    },
  });
}
