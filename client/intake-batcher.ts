import type { Alert } from '../domain/alert.js';
import { playbookWorkflowId } from '../domain/playbook-input.js';
import type { StartResult } from './start-playbook.js';

export interface BatcherOptions {
  /** Alerts per Update at most (the workflow's intake Update takes up to 500). */
  maxAlerts?: number;
  /** JSON bytes per Update at most: well under Temporal's 2 MB payload limit. */
  maxBytes?: number;
  /**
   * Each caller has its answer within this long, or an error (the webhook's 503): senders give up
   * early (EventBridge API destinations after 5 s). The Update goes on; a resend of an alert that did
   * land is answered `duplicate`.
   */
  answerWithinMs?: number;
}

/** The intake did not answer in time: the alert may or may not have landed. */
export class IntakeTimeout extends Error {
  constructor(ms: number) {
    super(`Temporal did not take the alert within ${ms} ms`);
    this.name = 'IntakeTimeout';
  }
}

interface Waiting {
  alert: Alert;
  size: number;
  resolve(result: StartResult): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent alerts about one incident into batches, with one intake Update in flight per
 * incident: a storm of 10,000 alerts becomes a few dozen Updates instead of 10,000 Signals
 * (Temporal caps a run at 10,000 Signals, 10 Updates in flight and a few thousand Updates in all).
 * Each caller still gets its own answer.
 */
export function createIntakeBatcher(
  send: (alerts: Alert[]) => Promise<StartResult[]>,
  { maxAlerts = 500, maxBytes = 512 * 1024, answerWithinMs }: BatcherOptions = {},
): (alert: Alert) => Promise<StartResult> {
  const queues = new Map<string, Waiting[]>();

  async function drain(id: string, queue: Waiting[]): Promise<void> {
    while (queue.length) {
      let bytes = 0;
      let count = 0;
      while (
        count < queue.length &&
        count < maxAlerts &&
        (count === 0 || bytes + (queue[count]?.size ?? 0) <= maxBytes)
      ) {
        bytes += queue[count]?.size ?? 0;
        count += 1;
      }
      const batch = queue.splice(0, count);
      try {
        const results = await send(batch.map((w) => w.alert));
        batch.forEach((w, i) => {
          const result = results[i];
          if (result) w.resolve(result);
          else w.reject(new Error('the incident gave no answer for this alert'));
        });
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    queues.delete(id);
  }

  return (alert) =>
    new Promise<StartResult>((resolveAnswer, rejectAnswer) => {
      const timer =
        answerWithinMs === undefined
          ? undefined
          : setTimeout(() => rejectAnswer(new IntakeTimeout(answerWithinMs)), answerWithinMs);
      const resolve = (result: StartResult) => {
        clearTimeout(timer);
        resolveAnswer(result);
      };
      const reject = (error: unknown) => {
        clearTimeout(timer);
        rejectAnswer(error instanceof Error ? error : new Error(String(error)));
      };
      const id = playbookWorkflowId(alert.principals);
      const waiting = { alert, size: JSON.stringify(alert).length, resolve, reject };
      const queue = queues.get(id);
      if (queue) return void queue.push(waiting);
      const fresh = [waiting];
      queues.set(id, fresh);
      void drain(id, fresh);
    });
}
