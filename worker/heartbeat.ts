import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

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
 * Heartbeats every `intervalMs` while an activity runs, from its first interval on: calls that answer
 * at once send no heartbeat at all, and only a slow one costs the server a request per interval.
 */
export function heartbeatWhileRunning(intervalMs = HEARTBEAT_INTERVAL_MS): ActivityInterceptorsFactory {
  return (context: Context) => ({
    inbound: {
      async execute(input, next) {
        const beat = setInterval(() => context.heartbeat(), intervalMs);
        try {
          return await next(input);
        } finally {
          clearInterval(beat);
        }
      },
    },
  });
}
