import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import { z } from 'zod';

/**
 * One attempt of an activity, as the worker runs it (worker/heartbeat.ts sets it up): the signal that
 * ends its provider calls, and the record of the change it is about to make. Temporal keeps an
 * attempt's last heartbeat details for the next attempt of the same activity (`info.heartbeatDetails`),
 * so an attempt that dies after its write landed leaves its successor a note that the change is this
 * step's own: the successor finds the target changed and reports `done`, not `already`, and a release
 * then undoes it.
 */
export interface Attempt {
  /** Aborts when Temporal cancels the attempt and shortly before its start-to-close timeout. */
  readonly signal: AbortSignal;
  /** Puts `details` on the attempt's heartbeat and resolves once the Temporal server holds them. */
  readonly record: (details: unknown) => Promise<void>;
  /** The intent in force: an earlier attempt's until this one records its own. */
  intent?: ChangeIntent;
}

/** What an attempt records before its first mutating call: which attempt, and the state it saw. */
const ChangeIntent = z.object({
  activity: z.string(),
  attempt: z.number().int().min(1),
  /** What the step's report says it found (the `observed` of a `done` outcome). */
  observed: z.string(),
  at: z.string(),
});
export type ChangeIntent = z.infer<typeof ChangeIntent>;
const IntentDetails = z.object({ revokerChangeIntent: ChangeIntent });

const running = new AsyncLocalStorage<Attempt>();

/** Runs an activity's body as `attempt`: its provider calls read the signal and record the intent there. */
export function runAttempt<T>(attempt: Attempt, body: () => Promise<T>): Promise<T> {
  return running.run(attempt, body);
}

/** The attempt running here, or undefined outside a worker's activity (unit tests call activities directly). */
export function currentAttempt(): Attempt | undefined {
  return running.getStore();
}

/** The intent an earlier attempt left in the heartbeat details, if any (anything else there is not ours). */
export function intentOf(details: unknown): ChangeIntent | undefined {
  const parsed = IntentDetails.safeParse(details);
  return parsed.success ? parsed.data.revokerChangeIntent : undefined;
}

/** The heartbeat details an attempt sends: its intent, so a periodic heartbeat never erases it. */
export function detailsOf(attempt: Attempt | undefined): unknown {
  return attempt?.intent ? { revokerChangeIntent: attempt.intent } : undefined;
}

/**
 * Call before a provider call that changes something, with what the step found (`observed`): the
 * intent is on the Temporal server before the change is sent, so whatever happens to this worker
 * after the change lands, the next attempt knows the change is this step's. Once per attempt; it
 * throws (and nothing is sent) when the server refuses the record, e.g. because the attempt already
 * timed out and another one is under way.
 */
export async function beforeChange(observed: string): Promise<void> {
  const attempt = currentAttempt();
  if (!attempt) return;
  const info = Context.current().info;
  if (attempt.intent?.attempt === info.attempt) return;
  attempt.intent = { activity: info.activityType, attempt: info.attempt, observed, at: new Date().toISOString() };
  await attempt.record(detailsOf(attempt));
}

const Already = z.object({ outcome: z.literal('already'), observed: z.string() }).loose();
const SteppedAlready = z.object({ outcome: Already, check: z.unknown() }).loose();

/**
 * An activity's result, as its step records it. An attempt that found nothing to do after an earlier
 * attempt announced the change found that attempt's change: it is `done` (by this step), with what the
 * earlier attempt saw. Without an announcement no earlier attempt sent a change (the announcement
 * precedes every change), so `already` stands. One rule for every action kind and provider.
 */
export function settled<T>(result: T, earlier: ChangeIntent | undefined): T {
  if (!earlier) return result;
  // A step's act and first verification in one activity (activities/step-runner.ts): the rule applies to its act.
  const stepped = SteppedAlready.safeParse(result);
  if (stepped.success) return { ...stepped.data, outcome: settled(stepped.data.outcome, earlier) } as T;
  const already = Already.safeParse(result);
  if (!already.success) return result;
  return {
    ...already.data,
    outcome: 'done',
    observed: `${earlier.observed} (changed by attempt ${earlier.attempt}, which ended before it could report)`,
  } as T;
}
