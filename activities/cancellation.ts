import { Context } from '@temporalio/activity';

/**
 * The running activity's cancellation signal, or undefined outside an activity (tests call the clients
 * directly too). Temporal aborts it when the workflow cancels the activity and when the worker sees the
 * attempt time out; a provider call given it ends then instead of holding the worker's slot.
 */
export function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
