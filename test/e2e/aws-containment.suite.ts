import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideUpdate } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import {
  ACCOUNT,
  alertAbout,
  approve,
  awsUser,
  reject,
  result,
  seedWith,
  settled,
  statusOf,
  useSandbox,
  waitForStatus,
} from './helpers.js';

describe('AWS IAM user containment', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const aliceKeys = () => h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];

  it('waits for approval before any change, then deactivates, denies and deletes, each verified', async () => {
    const keys = aliceKeys();
    assert.ok(keys.length >= 2, 'the sandbox gives alice two keys');
    const started = await h.start(alertAbout([awsUser('alice')], 'medium'));
    const handle = playbooks.handle(started.workflowId);

    const waiting = await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    assert.deepEqual(
      waiting.actions.map((r) => r.status),
      waiting.actions.map(() => 'awaiting-approval'),
    );
    assert.deepEqual(h.aws.mutations().counts, {}, 'nothing changes before a human decides');
    // The triage card: who alice is, what she can reach, and when her key was last used, as the sandbox seeds them.
    const card = waiting.principals[0]?.card;
    assert.equal(card?.name, 'alice');
    assert.equal(card?.id, `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.deepEqual(card?.reach, [
      'IAMUserChangePassword',
      'TerraformStateRead',
      'DeveloperS3AndSts (inline)',
      'AmazonS3ReadOnlyAccess (group developers)',
      'DevelopersAssumeDeploy (group developers, inline)',
    ]);
    assert.deepEqual(card?.lastUsed, {
      at: '2026-11-23T12:41:07.000Z',
      region: 'us-east-1',
      service: 's3',
      credential: keys[0],
    });
    assert.ok(card?.facts.includes(`${keys[1] ?? ''} never used`), card?.facts.join('; '));

    await approve(handle, {
      approver: 'sam@example.com',
      actions: 'all',
      reason: 'user confirms they did not do this',
    });
    const report = await result(handle);

    assert.equal(report.state, 'Contained');
    for (const key of keys) {
      assert.equal(h.aws.accessKey(key), undefined, `${key} is deleted`);
      assert.equal(statusOf(report, `aws:deactivate-key:${key}`).status, 'done');
      assert.equal(statusOf(report, `aws:delete-key:${key}`).verification?.ok, true);
      assert.equal(statusOf(report, `aws:delete-key:${key}`).decidedBy?.approver, 'sam@example.com');
    }
    const deny = statusOf(report, `aws:deny-user-sessions:${ACCOUNT}/alice`);
    assert.equal(deny.status, 'done');
    assert.match(deny.verification?.evidence ?? '', /denies \* on \*/);
    assert.ok(h.aws.userPolicies('alice').RevokerContainment, 'deny policy attached');
    assert.deepEqual(h.aws.mutations().counts, {
      UpdateAccessKey: keys.length,
      DeleteAccessKey: keys.length,
      PutUserPolicy: 1,
    });
    assert.equal(report.decisions[0]?.verdict, 'approve');
    assert.ok(report.residualRisks.length > 0, 'the report states what revocation cannot do');
  });

  it('contains at once for a high-severity alert but never deletes without approval; a rejected step never runs', async () => {
    const keys = aliceKeys();
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'))).workflowId);

    const contained = await waitForStatus(handle, settled);
    for (const key of keys) {
      assert.equal(statusOf(contained, `aws:deactivate-key:${key}`).status, 'done');
      assert.equal(statusOf(contained, `aws:delete-key:${key}`).status, 'awaiting-approval');
      assert.equal(h.aws.accessKey(key)?.status, 'Inactive');
    }
    assert.equal(h.aws.mutations().counts.DeleteAccessKey, undefined);

    await reject(handle, {
      approver: 'sam@example.com',
      actions: keys.map((k) => `aws:delete-key:${k}`),
      reason: 'keep for forensics',
    });
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    for (const key of keys) {
      assert.equal(statusOf(report, `aws:delete-key:${key}`).status, 'rejected');
      assert.equal(h.aws.accessKey(key)?.status, 'Inactive', 'rejected deletion leaves the key inactive');
    }
    assert.equal(h.aws.mutations().counts.DeleteAccessKey, undefined);
  });

  it('changes nothing when every step is rejected', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'low'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval');
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'false positive: pentest' });
    const report = await result(handle);
    assert.equal(report.state, 'NotContained');
    assert.ok(report.actions.every((r) => r.status === 'rejected' || r.status === 'skipped'));
    assert.deepEqual(h.aws.mutations().counts, {});
  });

  it('records an approval naming an unknown action as ignored and changes nothing', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'medium'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    await approve(handle, { approver: 'sam@example.com', actions: ['aws:delete-key:AKIANOTINTHEPLAN0000'] });
    const status = await waitForStatus(handle, (s) => s.decisions.length === 1);
    assert.match(status.decisions[0]?.ignored ?? '', /unknown action ids: aws:delete-key:AKIANOTINTHEPLAN0000/);
    assert.deepEqual(h.aws.mutations().counts, {});
  });

  it('treats already-inactive keys as success without calling UpdateAccessKey', async () => {
    h.aws.reset(
      seedWith(h.seed, {
        users: [
          {
            userName: 'dormant',
            accessKeys: [{ accessKeyId: 'AKIADORMANT000000001', secretAccessKey: 'x'.repeat(40), status: 'Inactive' }],
          },
        ],
      }),
    );
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('dormant')], 'critical'))).workflowId);
    const status = await waitForStatus(handle, settled);
    const deactivate = statusOf(status, 'aws:deactivate-key:AKIADORMANT000000001');
    assert.equal(deactivate.status, 'already');
    assert.match(deactivate.observed ?? '', /already Inactive/);
    assert.equal(h.aws.mutations().counts.UpdateAccessKey, undefined);
  });

  it('retries throttled calls and changes each key exactly once', async () => {
    h.aws.injectFault({ action: 'UpdateAccessKey', code: 'Throttling', times: 2 });
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    for (const key of aliceKeys()) assert.equal(statusOf(status, `aws:deactivate-key:${key}`).status, 'done');
    assert.equal(h.aws.mutations().counts.UpdateAccessKey, aliceKeys().length);
  });

  it('fails fast with an actionable message when the user does not exist', async () => {
    const began = Date.now();
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('nobody-by-this-name')], 'high'))).workflowId);
    const report = await result(handle);
    assert.equal(report.state, 'NotContained');
    const principal = report.principals[0];
    assert.equal(principal?.status, 'failed');
    assert.equal(principal?.error?.type, 'TargetNotFoundError');
    assert.match(principal?.error?.message ?? '', /nobody-by-this-name.*Check the account and name/s);
    assert.ok(Date.now() - began < 5_000, 'not retried');
    assert.deepEqual(h.aws.mutations().counts, {});
  });

  it('fails a step without retrying when the worker lacks the IAM permission, and says which', async () => {
    const restrictive = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:PutUserPolicy'], Resource: '*' }],
    };
    h.aws.reset({
      ...h.seed,
      users: h.seed.users.map((u) =>
        u.userName === 'revoker-responder' ? { ...u, inlinePolicies: { Responder: restrictive } } : u,
      ),
    });
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'))).workflowId);
    const status = await waitForStatus(handle, settled);
    const deactivate = statusOf(status, `aws:deactivate-key:${aliceKeys()[0]}`);
    assert.equal(deactivate.status, 'failed');
    assert.equal(deactivate.error?.type, 'PermissionDeniedError');
    assert.match(deactivate.error?.message ?? '', /iam:UpdateAccessKey.*Revoker responder policy/s);
    assert.equal(statusOf(status, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'done', 'other steps go on');
    assert.equal(statusOf(status, `aws:delete-key:${aliceKeys()[0]}`).status, 'awaiting-approval');
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(report.state, 'PartiallyContained');
    assert.equal(statusOf(report, `aws:delete-key:${aliceKeys()[0]}`).status, 'skipped', 'never delete an active key');
  });

  it('refuses to act on an account the worker has no credentials for', async () => {
    const handle = playbooks.handle(
      (await h.start(alertAbout([{ type: 'aws.user', accountId: '999999999999', userName: 'alice' }], 'high')))
        .workflowId,
    );
    const report = await result(handle);
    assert.equal(report.principals[0]?.error?.type, 'InvalidRequestError');
    assert.match(report.principals[0]?.error?.message ?? '', /run a worker with credentials for 999999999999/);
  });

  it('honours a policy that skips a step', async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      approvalTimeout: '1m',
      actions: { 'aws.deactivateAccessKey': 'auto', 'aws.denyUserSessions': 'skip', 'aws.deleteAccessKey': 'skip' },
    };
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'low'), { policy })).workflowId);
    const report = await result(handle);
    assert.equal(statusOf(report, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'skipped');
    assert.deepEqual(h.aws.mutations().counts, { UpdateAccessKey: aliceKeys().length });
  });
});

describe('policy allowlist', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('leaves an allowlisted principal alone and says why, while containing the others', async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      allowlist: [
        { name: 'ci-*', awsAccount: ACCOUNT, reason: 'CI/CD deployer: keys used from new runners by design' },
      ],
    };
    const handle = playbooks.handle(
      (await h.start(alertAbout([awsUser('ci-deployer'), awsUser('alice')], 'high'), { policy })).workflowId,
    );
    const status = await waitForStatus(handle, settled);
    const ci = status.principals.find((p) => p.key.endsWith('/ci-deployer'));
    assert.deepEqual(
      [ci?.status, ci?.allowlistReason],
      ['allowlisted', 'CI/CD deployer: keys used from new runners by design'],
    );
    assert.ok(
      status.actions.every((r) => r.action.principal.endsWith('/alice')),
      'no step for the allowlisted user',
    );
    assert.equal(h.aws.accessKey('AKIACIDEPL7EXAMPLE01')?.status, 'Active');
    await handle.terminate('checked');
  });

  it("matches docs/policy.md's ci-* entry on what discovery found: a CI user's key named only by its id", async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      allowlist: [{ name: 'ci-*', awsAccount: ACCOUNT, reason: 'CI/CD deployers use keys from new runners' }],
    };
    const key = { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIACIDEPL7EXAMPLE01' } as const;
    const report = await result(
      playbooks.handle((await h.start(alertAbout([key], 'critical'), { policy })).workflowId),
    );
    assert.equal(report.state, 'NothingToDo');
    assert.deepEqual(
      report.principals.map((p) => [p.status, p.allowlistReason]),
      [['allowlisted', 'CI/CD deployers use keys from new runners']],
    );
    // Allowlisted on what discovery found, so the card shows who that was and its key's last use.
    const card = report.principals[0]?.card;
    assert.equal(card?.name, 'ci-deployer');
    assert.deepEqual(card?.reach, ['ArtifactUpload (inline)']);
    assert.equal(card?.lastUsed?.credential, 'AKIACIDEPL7EXAMPLE01');
    assert.ok(card?.facts.includes('the alert names key AKIACIDEPL7EXAMPLE01'));
    assert.equal(h.aws.accessKey('AKIACIDEPL7EXAMPLE01')?.status, 'Active', 'the key keeps working');
    assert.deepEqual(h.aws.mutations().counts, {});
  });

  it('reports why nothing was done when every principal is allowlisted', async () => {
    const policy: Policy = { ...TEST_POLICY, allowlist: [{ name: 'ci-*', reason: 'CI/CD automation' }] };
    const report = await result(
      playbooks.handle((await h.start(alertAbout([awsUser('ci-deployer')], 'critical'), { policy })).workflowId),
    );
    assert.equal(report.state, 'NothingToDo');
    assert.deepEqual(report.actions, []);
    assert.match(
      report.summary,
      /allowlisted, nothing done: IAM user ci-deployer \(123456789012\) \(CI\/CD automation\)/,
    );
    assert.deepEqual(h.aws.mutations().counts, {});
  });
});

describe('approvers and four eyes', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it("lets only the policy's approvers decide, and deletes a key only after two different people approve", async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      approvers: { groups: { soc: ['sam@example.com', 'kim@example.com'] }, default: ['soc'], byAction: {} },
      fourEyes: 2,
    };
    const key = h.seed.users.find((u) => u.userName === 'alice')?.accessKeys[0]?.accessKeyId ?? '';
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'), { policy })).workflowId);
    await waitForStatus(handle, settled);
    const decide = (approver: string) =>
      handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'approve', approver, actions: [`aws:delete-key:${key}`] }],
      });

    await assert.rejects(decide('eve@example.com'), (error: Error) =>
      /eve@example.com is not an approver for aws.deleteAccessKey \(groups: soc\)/.test(String(error.cause)),
    );
    const first = await decide('sam@example.com');
    assert.deepEqual(first.actions, [`aws:delete-key:${key}`]);
    await assert.rejects(decide('sam@example.com'), (error: Error) =>
      /four eyes needs another approver/.test(String(error.cause)),
    );
    assert.equal(h.aws.accessKey(key)?.status, 'Inactive', 'one approval deletes nothing');

    await decide('kim@example.com');
    const status = await waitForStatus(handle, (s) => statusOf(s, `aws:delete-key:${key}`).status === 'done');
    assert.equal(statusOf(status, `aws:delete-key:${key}`).decidedBy?.approver, 'sam@example.com + kim@example.com');
    assert.equal(h.aws.accessKey(key), undefined);
  });
});

describe('approval timeouts', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('escalates a step nobody decides, then proceeds or aborts it as the policy says per kind', async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      approvalTimeout: '1s',
      actions: {
        'aws.deactivateAccessKey': 'approval',
        'aws.denyUserSessions': 'approval',
        'aws.deleteAccessKey': 'approval',
      },
      onTimeout: { 'aws.deactivateAccessKey': 'proceed' },
    };
    const keys = h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'low'), { policy })).workflowId);
    const escalated = await waitForStatus(handle, (s) => s.actions.length > 0 && s.actions.every((r) => r.escalatedAt));
    assert.equal(escalated.state, 'AwaitingApproval', 'escalated steps still wait for a human');

    const report = await result(handle);
    for (const key of keys) {
      const deactivate = statusOf(report, `aws:deactivate-key:${key}`);
      assert.deepEqual([deactivate.status, deactivate.decidedBy?.approver], ['done', 'policy (onTimeout: proceed)']);
      const remove = statusOf(report, `aws:delete-key:${key}`);
      assert.equal(remove.status, 'skipped');
      assert.match(
        remove.note ?? '',
        /no decision within 1s, escalated, and none within another 1s: aborted by policy/,
      );
    }
    assert.equal(statusOf(report, `aws:deny-user-sessions:${ACCOUNT}/alice`).status, 'skipped', 'unlisted kinds abort');
    assert.deepEqual(h.aws.mutations().counts, { UpdateAccessKey: keys.length });
  });
});
