import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planActions } from '../domain/plan.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { ActionRecord } from '../domain/report.js';
import { applyDecision, refusal } from './decisions.js';

function records(): ActionRecord[] {
  const actions = planActions({
    severity: 'high',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal: 'p',
        discovery: {
          type: 'aws.user',
          accountId: '123456789012',
          userName: 'alice',
          accessKeys: [{ accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' }],
        },
      },
    ],
  });
  return actions.map((action) => ({ action, status: action.mode === 'approval' ? 'awaiting-approval' : 'done' }));
}
const AT = '2026-11-23T10:00:00.000Z';
const DELETE = 'aws:delete-key:AKIAAAAAAAAAAAAAAAA1';

describe('applyDecision', () => {
  it('approves every waiting action for "all" and records who, when and why', () => {
    const plan = records();
    const decision = applyDecision(plan, 'approve', { approver: 'sam', actions: 'all', reason: 'confirmed' }, AT);
    assert.deepEqual(decision, { verdict: 'approve', approver: 'sam', actions: [DELETE], at: AT, reason: 'confirmed' });
    assert.deepEqual(plan.find((r) => r.action.id === DELETE)?.decidedBy, {
      approver: 'sam',
      at: AT,
      reason: 'confirmed',
    });
  });

  it('rejects so the action is final at once', () => {
    const plan = records();
    applyDecision(plan, 'reject', { approver: 'sam', actions: [DELETE] }, AT);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.status, 'rejected');
  });

  it('lets the first decision stand', () => {
    const plan = records();
    applyDecision(plan, 'reject', { approver: 'sam', actions: [DELETE] }, AT);
    const second = applyDecision(plan, 'approve', { approver: 'kim', actions: [DELETE] }, AT);
    assert.deepEqual(second.actions, []);
    assert.match(second.ignored ?? '', /not awaiting a decision: aws:delete-key/);
    assert.equal(plan.find((r) => r.action.id === DELETE)?.status, 'rejected');
  });

  it('ignores unknown ids, bad payloads and decisions before the plan, saying why', () => {
    assert.match(
      applyDecision(records(), 'approve', { approver: 'sam', actions: ['nope'] }, AT).ignored ?? '',
      /unknown action ids: nope/,
    );
    const bad = applyDecision(records(), 'approve', { actions: 'everything' }, AT);
    assert.match(bad.ignored ?? '', /invalid payload \(approver: .*; actions: actions is "all" or a list/);
    assert.equal(bad.approver, 'unknown');
    assert.match(
      applyDecision([], 'approve', { approver: 'sam', actions: 'all' }, AT).ignored ?? '',
      /plan is not ready/,
    );
  });

  it('applies the known part of a mixed request and notes the rest', () => {
    const decision = applyDecision(records(), 'approve', { approver: 'sam', actions: [DELETE, 'nope'] }, AT);
    assert.deepEqual(decision.actions, [DELETE]);
    assert.equal(decision.ignored, undefined);
    assert.match(decision.note ?? '', /unknown action ids: nope/);
  });
});

describe('refusal (the decide Update validator)', () => {
  it('accepts a request that can be applied whole', () => {
    assert.equal(refusal(records(), { verdict: 'approve', approver: 'sam', actions: [DELETE] }), undefined);
    assert.equal(refusal(records(), { verdict: 'reject', approver: 'sam', actions: 'all' }), undefined);
  });

  it('refuses unknown or settled ids instead of applying part of the request', () => {
    assert.equal(
      refusal(records(), { verdict: 'approve', approver: 'sam', actions: [DELETE, 'nope'] }),
      'unknown action ids: nope',
    );
    const plan = records();
    applyDecision(plan, 'reject', { approver: 'kim', actions: 'all' }, AT);
    assert.equal(
      refusal(plan, { verdict: 'approve', approver: 'sam', actions: [DELETE] }),
      `not awaiting a decision: ${DELETE}`,
    );
    assert.equal(
      refusal(plan, { verdict: 'approve', approver: 'sam', actions: 'all' }),
      'no action is awaiting a decision',
    );
  });

  it('refuses a malformed request, naming the field, and a request before the plan', () => {
    assert.match(refusal(records(), { verdict: 'maybe', approver: 'sam', actions: 'all' }) ?? '', /^verdict: /);
    assert.equal(
      refusal([], { verdict: 'approve', approver: 'sam', actions: 'all' }),
      'the plan is not ready yet: query status and try again',
    );
  });
});
