// Revoker's metrics recorded from workflow code, through Temporal's workflow metric meter: it adds no command to
// history and records nothing while a workflow replays, so a metric counts each event once, whichever worker (or
// how many) replays the run. The names and labels are domain/metrics.ts's.
import { metricMeter } from '@temporalio/workflow';
import type { PlaybookState } from '../domain/report.js';
import { TIME_TO_CONTAIN, VERIFICATION_FAILURES } from '../domain/metrics.js';

/** Containment verified: seconds since the first alert's observedAt (never negative: a source's clock may run ahead). */
export function recordTimeToContain(firstObservedAt: string | undefined, containedAt: string, state: PlaybookState) {
  const from = Date.parse(firstObservedAt ?? '');
  if (!Number.isFinite(from)) return;
  const seconds = Math.max(0, (Date.parse(containedAt) - from) / 1000);
  metricMeter
    .createHistogram(TIME_TO_CONTAIN.name, 'float', TIME_TO_CONTAIN.unit, TIME_TO_CONTAIN.help)
    .record(seconds, { state });
}

/** A step's change did not show when read back. */
export function recordVerificationFailure(provider: string, kind: string): void {
  metricMeter
    .createCounter(VERIFICATION_FAILURES.name, VERIFICATION_FAILURES.unit, VERIFICATION_FAILURES.help)
    .add(1, { provider, kind });
}
