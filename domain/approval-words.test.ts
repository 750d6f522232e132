import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalEffects, approvalRulesOf, decidedWords, type ApprovalRules } from './approval-words.js';
import type { AwsUserDiscovery } from './discovery.js';
import { planActions } from './plan.js';
import { DEFAULT_POLICY, Policy } from './policy.js';
import type { ActionRecord } from './report.js';

const alice: AwsUserDiscovery = {
  type: 'aws.user',
  accountId: '123456789012',
  userName: 'alice',
  accessKeys: [
    { accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' },
    { accessKeyId: 'AKIAAAAAAAAAAAAAAAA2', status: 'Active' },
  ],
};
const planned = planActions({
  severity: 'medium',
  policy: DEFAULT_POLICY,
  discoveries: [{ principal: 'aws/123456789012/user/alice', discovery: alice }],
});
const waiting = (approvals: string[] = []): ActionRecord[] =>
  planned.map((action) => ({
    action,
    status: 'awaiting-approval',
    ...(approvals.length ? { approvals: approvals.map((approver) => ({ approver, at: '2026-11-23T10:01:00Z' })) } : {}),
  }));
const DELETES = ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1', 'aws:delete-key:AKIAAAAAAAAAAAAAAAA2'];
const deletes = (records: ActionRecord[]) => records.filter((r) => DELETES.includes(r.action.id));

/** sam, kim and lee are the SOC; samuel@corp.example is another name of sam's. */
const fourEyes = (n: number): ApprovalRules =>
  approvalRulesOf(
    Policy.parse({
      version: 1,
      fourEyes: n,
      approvers: {
        groups: { soc: ['sam@example.com', 'kim@example.com', 'lee@example.com'] },
        default: ['soc'],
        aliases: { 'sam@example.com': ['samuel@corp.example'] },
      },
    }),
  );

describe('approvalEffects', () => {
  it('says one approval deletes both keys under the default policy, and that nothing brings them back', () => {
    const { steps, summary } = approvalEffects(waiting(), approvalRulesOf(DEFAULT_POLICY), 'sam@example.com');
    assert.deepEqual(summary, [
      '2 steps are permanent (no release can undo them): under this policy your approval alone runs them.',
      'The other 3 steps run on your approval alone (a release can undo them).',
    ]);
    assert.ok(steps.every((s) => s.runs && s.more === 0 && s.others === undefined));
    assert.deepEqual(
      steps.filter((s) => s.permanent).map((s) => [s.id, s.words]),
      DELETES.map((id) => [id, 'your approval alone runs it · permanent: no release can undo it']),
    );
  });

  it('says a permanent step needs one more approver under four eyes, and names who may give it', () => {
    const { steps, summary } = approvalEffects(deletes(waiting()), fourEyes(2), 'sam@example.com');
    assert.deepEqual(summary, [
      '2 steps are permanent: under this policy (four eyes) they need one more approver after you: ' +
        'kim@example.com or lee@example.com; your approval alone does not run them.',
    ]);
    assert.deepEqual(
      steps.map((s) => [s.runs, s.more, s.others]),
      DELETES.map(() => [false, 1, ['kim@example.com', 'lee@example.com']]),
    );
    assert.equal(
      steps[0]?.words,
      'needs one more approver after you (four eyes): kim@example.com or lee@example.com · permanent: no release can undo it',
    );
  });

  it('counts the approvals already given: the second approver completes four eyes and runs the step', () => {
    const { steps, summary } = approvalEffects(deletes(waiting(['sam@example.com'])), fourEyes(2), 'kim@example.com');
    assert.deepEqual(summary, [
      '2 steps are permanent and they already have the approval of sam@example.com: ' +
        'under this policy (four eyes) yours completes them and runs them.',
    ]);
    assert.deepEqual(
      steps.map((s) => [s.runs, s.approvedBy, s.words]),
      DELETES.map(() => [
        true,
        ['sam@example.com'],
        'sam@example.com approved it: yours completes four eyes and it runs · permanent: no release can undo it',
      ]),
    );
  });

  it('counts a person once under any of their names, and leaves those who approved out of who may still', () => {
    const { steps } = approvalEffects(deletes(waiting(['Samuel@corp.example'])), fourEyes(3), 'kim@example.com');
    assert.deepEqual(
      steps.map((s) => [s.runs, s.more, s.others]),
      DELETES.map(() => [false, 1, ['lee@example.com']]),
    );
    const same = approvalEffects(deletes(waiting(['samuel@corp.example'])), fourEyes(2), 'SAM@example.com');
    assert.deepEqual(same.steps[0]?.approvedBy, [], "sam's own earlier approval is not another person's");
  });

  it('warns when nobody else may give the approval four eyes asks for', () => {
    const rules = approvalRulesOf(
      Policy.parse({
        version: 1,
        fourEyes: 2,
        approvers: { groups: { solo: ['sam@example.com'] }, default: ['solo'] },
      }),
    );
    const { summary } = approvalEffects(deletes(waiting()), rules, 'sam@example.com');
    assert.match(summary[0] ?? '', /one more approver after you, and the policy names nobody else who may approve;/);
  });

  it('names nobody when the policy names no approvers: anyone who can decide may give the second approval', () => {
    const { steps, summary } = approvalEffects(deletes(waiting()).slice(0, 1), { fourEyes: 2 }, 'sam@example.com');
    assert.equal(steps[0]?.others, undefined);
    assert.deepEqual(summary, [
      'One step is permanent: under this policy (four eyes) it needs one more approver after you; your approval alone does not run it.',
    ]);
  });
});

describe('decidedWords', () => {
  const [deactivate, del] = waiting();
  it('names who decided a step, when and through which channel', () => {
    assert.ok(deactivate && del);
    const decisions = [
      {
        verdict: 'approve' as const,
        approver: 'sam@example.com',
        actions: [deactivate.action.id],
        at: 'T1',
        link: 'l1',
      },
      { verdict: 'approve' as const, approver: 'kim@example.com', actions: [], at: 'T2', ignored: 'not waiting' },
      { verdict: 'reject' as const, approver: 'lee@example.com', actions: [del.action.id], at: 'T3' },
    ];
    assert.deepEqual(decidedWords({ ...deactivate, status: 'done' }, decisions), [
      'approve by sam@example.com at T1 (one-click link)',
    ]);
    assert.deepEqual(decidedWords({ ...del, status: 'rejected' }, decisions), ['reject by lee@example.com at T3']);
  });

  it('says the policy ran a step nobody decided, and why a step ended without a decision', () => {
    assert.ok(deactivate && del);
    const auto = { ...deactivate, action: { ...deactivate.action, mode: 'auto' as const }, status: 'done' as const };
    assert.deepEqual(decidedWords(auto, []), ['ran under the policy (auto)']);
    const timedOut = { ...del, status: 'rejected' as const, note: 'no decision within the approval window' };
    assert.deepEqual(decidedWords(timedOut, []), ['no decision within the approval window']);
  });
});
