import { Context } from '@temporalio/activity';
import { currentAttempt } from './attempt.js';

/**
 * The running activity's abort signal, or undefined outside an activity (tests call the clients directly
 * too). Temporal aborts it when the workflow cancels the activity and when the worker sees the attempt
 * time out; in a worker (activities/attempt.ts) it also fires shortly before the attempt's start-to-close
 * timeout, so a provider call given it ends before Temporal can start the next attempt.
 */
export function activityCancellation(): AbortSignal | undefined {
  const attempt = currentAttempt();
  if (attempt) return attempt.signal;
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
