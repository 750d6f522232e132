import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AwsUserDiscovery } from './discovery.js';
import { planActions } from './plan.js';
import { DEFAULT_POLICY, type Policy } from './policy.js';

const alice: AwsUserDiscovery = {
  type: 'aws.user',
  accountId: '123456789012',
  userName: 'alice',
  accessKeys: [
    { accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' },
    { accessKeyId: 'AKIAAAAAAAAAAAAAAAA2', status: 'Inactive' },
  ],
};
const user = (discovery: AwsUserDiscovery) => ({ principal: 'aws/123456789012/user/alice', discovery });

describe('planActions', () => {
  it('deactivates and then deletes every key of a user and denies its sessions', () => {
    const actions = planActions({ severity: 'medium', policy: DEFAULT_POLICY, discoveries: [user(alice)] });
    assert.deepEqual(
      actions.map((a) => [a.id, a.mode, a.dependsOn]),
      [
        ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1', 'approval', []],
        ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1', 'approval', ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1']],
        ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA2', 'approval', []],
        ['aws:delete-key:AKIAAAAAAAAAAAAAAAA2', 'approval', ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA2']],
        ['aws:deny-user-sessions:123456789012/alice', 'approval', []],
      ],
    );
    assert.ok(actions.every((a) => a.principal === 'aws/123456789012/user/alice'));
  });

  it('runs reversible containment automatically for high and critical alerts but never deletion', () => {
    for (const severity of ['high', 'critical'] as const) {
      const modes = planActions({ severity, policy: DEFAULT_POLICY, discoveries: [user(alice)] }).map((a) => [
        a.kind,
        a.mode,
      ]);
      assert.deepEqual(
        new Set(modes.map(([kind, mode]) => `${kind}=${mode}`)),
        new Set(['aws.deactivateAccessKey=auto', 'aws.deleteAccessKey=approval', 'aws.denyUserSessions=auto']),
      );
    }
  });

  it('contains only the named key when the alert names an access key', () => {
    const actions = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [user({ ...alice, focusAccessKeyId: 'AKIAAAAAAAAAAAAAAAA2' })],
    });
    assert.deepEqual(
      actions.map((a) => a.id),
      [
        'aws:deactivate-key:AKIAAAAAAAAAAAAAAAA2',
        'aws:delete-key:AKIAAAAAAAAAAAAAAAA2',
        'aws:deny-user-sessions:123456789012/alice',
      ],
    );
  });

  it('plans one action when two principals lead to the same step', () => {
    const actions = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [
        user(alice),
        {
          principal: 'aws/123456789012/access-key/AKIAAAAAAAAAAAAAAAA1',
          discovery: { ...alice, focusAccessKeyId: 'AKIAAAAAAAAAAAAAAAA1' },
        },
      ],
    });
    assert.equal(new Set(actions.map((a) => a.id)).size, actions.length);
    assert.equal(actions.length, 5);
  });

  it('revokes role sessions with the TokenIssueTime deny, and skips service-linked roles', () => {
    const [role] = planActions({
      severity: 'critical',
      policy: DEFAULT_POLICY,
      discoveries: [
        {
          principal: 'r',
          discovery: { type: 'aws.role', accountId: '123456789012', roleName: 'deploy', serviceLinked: false },
        },
      ],
    });
    assert.equal(role?.id, 'aws:revoke-role-sessions:123456789012/deploy');
    assert.equal(role?.mode, 'auto');
    const [linked] = planActions({
      severity: 'critical',
      policy: DEFAULT_POLICY,
      discoveries: [
        {
          principal: 'r',
          discovery: {
            type: 'aws.role',
            accountId: '123456789012',
            roleName: 'AWSServiceRoleForX',
            serviceLinked: true,
          },
        },
      ],
    });
    assert.equal(linked?.mode, 'skip');
    assert.match(linked?.reason ?? '', /Service-linked/);
  });

  it('follows a per-severity policy and waits for approval where the policy is silent', () => {
    const policy: Policy = { version: 1, approvalTimeout: '1h', actions: { 'aws.denyUserSessions': { low: 'skip' } } };
    const low = planActions({ severity: 'low', policy, discoveries: [user(alice)] });
    const high = planActions({ severity: 'high', policy, discoveries: [user(alice)] });
    const modeOf = (actions: typeof low, kind: string) => actions.find((a) => a.kind === kind)?.mode;
    assert.equal(modeOf(low, 'aws.denyUserSessions'), 'skip');
    assert.equal(modeOf(high, 'aws.denyUserSessions'), 'approval');
    assert.equal(modeOf(high, 'aws.deactivateAccessKey'), 'approval');
  });

  it('marks reversibility and describes each step for the approver', () => {
    const actions = planActions({ severity: 'high', policy: DEFAULT_POLICY, discoveries: [user(alice)] });
    const remove = actions.find((a) => a.kind === 'aws.deleteAccessKey');
    assert.equal(remove?.reversible, false);
    assert.equal(remove?.destructive, true);
    assert.match(remove?.description ?? '', /Delete access key AKIAAAAAAAAAAAAAAAA1 of IAM user alice .*permanent/);
  });
});
