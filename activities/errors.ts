import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityCancellation } from './cancellation.js';

/**
 * The few ways a provider call fails, named so the workflow and the report can tell them apart.
 * Retryable ones go back to Temporal's retry policy (the SDKs' own retries are turned off, so there
 * is one owner of backoff); permanent ones fail the step at once with a message saying what to fix.
 */
export abstract class ProviderError extends Error {
  abstract readonly retryable: boolean;
  /** When the provider said how long to wait (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export class ThrottledError extends ProviderError {
  override readonly name = 'ThrottledError';
  readonly retryable = true;
}

export class ProviderUnavailableError extends ProviderError {
  override readonly name = 'ProviderUnavailableError';
  readonly retryable = true;
}

export class TargetNotFoundError extends ProviderError {
  override readonly name = 'TargetNotFoundError';
  readonly retryable = false;
}

export class PermissionDeniedError extends ProviderError {
  override readonly name = 'PermissionDeniedError';
  readonly retryable = false;
}

export class InvalidRequestError extends ProviderError {
  override readonly name = 'InvalidRequestError';
  readonly retryable = false;
}

/** The target is in a state the step must not act on (e.g. deleting a key someone reactivated). */
export class UnsafeStateError extends ProviderError {
  override readonly name = 'UnsafeStateError';
  readonly retryable = false;
}

/** The chat webhook refused or did not answer; retried a few times, and never blocks containment. */
export class NotificationFailedError extends ProviderError {
  override readonly name = 'NotificationFailedError';
  readonly retryable = true;
}

export const NON_RETRYABLE_ERROR_TYPES = [
  'TargetNotFoundError',
  'PermissionDeniedError',
  'InvalidRequestError',
  'UnsafeStateError',
];

export function toApplicationFailure(error: ProviderError): ApplicationFailure {
  return ApplicationFailure.create({
    type: error.name,
    message: error.message,
    nonRetryable: !error.retryable,
    nextRetryDelay: error.retryAfterMs,
  });
}

/** Wraps each activity so classified errors reach Temporal as typed ApplicationFailures. */
export function classifyActivities<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
  classify: (error: unknown) => ProviderError | undefined,
): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      try {
        return await fn(...args);
      } catch (error) {
        // Whatever the aborted call threw, the attempt ended because Temporal cancelled it: rethrowing
        // Temporal's own CancelledFailure lets the worker report it cancelled (reset and pause included).
        const cancellation = activityCancellation();
        if (cancellation?.aborted && cancellation.reason instanceof CancelledFailure) throw cancellation.reason;
        // The attempt's own deadline ended the call (activities/attempt.ts): say so, whatever the client threw.
        if (cancellation?.aborted && cancellation.reason instanceof ProviderError) {
          throw toApplicationFailure(cancellation.reason);
        }
        const known = error instanceof ProviderError ? error : classify(error);
        throw known ? toApplicationFailure(known) : error;
      }
    };
  }
  return wrapped as T;
}

/** A failure as one line for a person: the classified message, else the error's own. */
export function problemOf(error: unknown, classify: (error: unknown) => ProviderError | undefined): string {
  const known = error instanceof ProviderError ? error : classify(error);
  return (known ?? (error instanceof Error ? error : new Error(String(error)))).message;
}

/**
 * One read, a throttled answer waited out in place — as the provider says (Retry-After), else `backoffMs(attempt)` —
 * at most `retries` times and never longer than `maxWaitMs` at once; past that the error goes to Temporal's retry
 * policy. `classify` turns an SDK's error into a provider error (undefined: the error as it is).
 */
export async function waitingOutThrottling<T>(
  read: () => Promise<T>,
  options: {
    retries: number;
    backoffMs: (attempt: number) => number;
    maxWaitMs?: number;
    classify?: (error: unknown) => unknown;
  },
): Promise<T> {
  const { retries, backoffMs, maxWaitMs = Number.POSITIVE_INFINITY, classify = (error: unknown) => error } = options;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      const classified = classify(error) ?? error;
      const wait = classified instanceof ThrottledError ? (classified.retryAfterMs ?? backoffMs(attempt)) : undefined;
      if (wait !== undefined && attempt < retries && wait <= maxWaitMs) {
        await sleep(wait);
        continue;
      }
      throw classified;
    }
  }
}
