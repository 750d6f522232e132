// The bench's arithmetic: percentiles, where a playbook's time went, and what its history costs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { costOf, percentiles, quantile, sharesOf } from './measure.js';

/** History events as the bench reads them (event ids are Longs on the wire; numbers read the same here). */
const history = (events: object[]) => events as unknown as temporal.api.history.v1.IHistoryEvent[];

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

describe('bench measures', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i);
    assert.deepEqual(percentiles(values), { n: 200, p50: 100, p95: 190, p99: 198 });
    assert.equal(quantile([], 0.5), 0);
    assert.equal(quantile([7], 0.99), 7);
  });

  it('splits a run into intake, activities (parallel ones counted once) and Temporal', () => {
    const events = history([
      { eventId: 1, eventTime: at(1_010), workflowExecutionStartedEventAttributes: {} },
      { eventId: 5, eventTime: at(1_100), activityTaskStartedEventAttributes: {} },
      { eventId: 6, eventTime: at(1_150), activityTaskStartedEventAttributes: {} },
      { eventId: 7, eventTime: at(1_200), activityTaskCompletedEventAttributes: { startedEventId: 5 } },
      { eventId: 8, eventTime: at(1_250), activityTaskFailedEventAttributes: { startedEventId: 6 } },
      { eventId: 9, eventTime: at(1_300), activityTaskStartedEventAttributes: {} },
      { eventId: 10, eventTime: at(1_320), activityTaskCompletedEventAttributes: { startedEventId: 9 } },
    ]);
    const shares = sharesOf(
      { workflowId: 'w', runId: 'r', postAt: 1_000, acceptedAt: 1_020, doneAt: 1_400, retried: 0 },
      events,
    );
    // 100–250 overlapping (150) and 300–320 (20).
    assert.deepEqual(shares, { totalMs: 400, intakeMs: 10, activitiesMs: 170, temporalMs: 220 });
  });

  it('counts events, workflow tasks, activity attempts and billable actions', () => {
    const events = history([
      { workflowExecutionStartedEventAttributes: {} },
      { workflowTaskCompletedEventAttributes: {} },
      { markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      { markerRecordedEventAttributes: { markerName: 'core_patch' } },
      { upsertWorkflowSearchAttributesEventAttributes: {} },
      { activityTaskScheduledEventAttributes: {} },
      { activityTaskStartedEventAttributes: {} },
      { activityTaskStartedEventAttributes: {} },
      { workflowExecutionSignaledEventAttributes: {} },
      { workflowTaskCompletedEventAttributes: {} },
      { timerStartedEventAttributes: {} },
      { workflowExecutionUpdateAcceptedEventAttributes: {} },
    ]);
    // start, two local activities in one task (one action), upsert, two activity attempts, signal, timer, update.
    assert.deepEqual(costOf(events), { events: 13, workflowTasks: 2, actions: 8, activities: 2, historyBytes: 0 });
  });
});
