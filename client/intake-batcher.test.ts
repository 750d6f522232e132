import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../domain/alert.js';
import { playbookWorkflowId } from '../domain/playbook-input.js';
import { createIntakeBatcher, IntakeTimeout } from './intake-batcher.js';
import type { StartResult } from './start-playbook.js';

const alert = (id: string, userName = 'alice'): Alert => ({
  source: 'test',
  id,
  title: 'stolen key',
  severity: 'high',
  observedAt: '2026-12-02T10:00:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName }],
});

const answered = (alerts: Alert[]): StartResult[] =>
  alerts.map((a, i) => ({
    workflowId: playbookWorkflowId(a.principals),
    runId: 'run-1',
    uiUrl: 'http://ui',
    outcome: i === 0 ? 'started' : 'merged',
    merged: i > 0,
    duplicate: false,
  }));

describe('intake batcher', () => {
  it('sends concurrent alerts about one incident as batches, one in flight, and answers each caller', async () => {
    const sent: string[][] = [];
    const intake = createIntakeBatcher(async (alerts) => {
      sent.push(alerts.map((a) => a.id));
      await new Promise((resolve) => setTimeout(resolve, 20));
      return answered(alerts);
    });
    const replies = await Promise.all(['a', 'b', 'c', 'd'].map((id) => intake(alert(id))));
    assert.deepEqual(sent, [['a'], ['b', 'c', 'd']], 'the first goes alone, the rest wait for it and go together');
    assert.deepEqual(
      replies.map((r) => r.outcome),
      ['started', 'started', 'merged', 'merged'],
    );
  });

  it('answers every caller within answerWithinMs while Temporal hangs, queued alerts included', async () => {
    let calls = 0;
    const intake = createIntakeBatcher(
      () => {
        calls += 1;
        return new Promise<StartResult[]>(() => undefined);
      },
      { answerWithinMs: 200 },
    );
    const started = Date.now();
    const results = await Promise.allSettled([intake(alert('a')), intake(alert('b')), intake(alert('c', 'bob'))]);
    const took = Date.now() - started;
    assert.ok(
      results.every((r) => r.status === 'rejected' && r.reason instanceof IntakeTimeout),
      'each is told in time',
    );
    assert.ok(took < 1_000, `answered in ${took} ms`);
    assert.equal(calls, 2, 'one batch in flight per incident: b waits behind a, bob has his own');
  });
});
