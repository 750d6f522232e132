import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planActions } from '../domain/plan.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { PlaybookStatus } from '../domain/report.js';
import { renderDetails } from './details.js';

function status(): PlaybookStatus {
  const actions = planActions({
    severity: 'high',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal: 'aws/123456789012/user/alice',
        discovery: {
          type: 'aws.user',
          accountId: '123456789012',
          userName: 'alice',
          accessKeys: [{ accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' }],
        },
      },
    ],
  });
  return {
    workflowId: 'contain/aws/123456789012/user/alice',
    state: 'AwaitingApproval',
    severity: 'high',
    alerts: [{ source: 's', id: '1', title: 'Key | used', severity: 'high', observedAt: 't', receivedAt: 't' }],
    principals: [{ key: 'k', label: 'IAM user alice (123456789012)', status: 'examined' }],
    actions: actions.map((action) =>
      action.mode === 'approval'
        ? { action, status: 'awaiting-approval' }
        : {
            action,
            status: 'done',
            verification: { ok: true, evidence: 'shows | Inactive', checkedAt: 't' },
          },
    ),
    decisions: [],
    startedAt: 't',
  };
}

describe('renderDetails', () => {
  it('leads with the incident handle, when the run has one', () => {
    const first = (text: string) => text.split('\n')[0] ?? '';
    assert.match(
      first(renderDetails({ ...status(), handle: 'INC-7F3K2Q' })),
      /^\*\*INC-7F3K2Q\*\* · \*\*AwaitingApproval\*\*/,
    );
    assert.match(first(renderDetails(status())), /^\*\*AwaitingApproval\*\*/, 'older runs have none');
  });

  it('puts the Signal JSON for what waits first, as valid JSON naming the waiting ids', () => {
    const text = renderDetails(status());
    const json = /```json\n([\s\S]*?)\n```/.exec(text)?.[1];
    assert.deepEqual(JSON.parse(json ?? ''), {
      approver: 'you@example.com',
      actions: ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1'],
      reason: 'why',
    });
    assert.ok(text.indexOf('Waiting for you (1)') < text.indexOf('| state |'));
  });

  it('lists each step with its state, mode and escaped result', () => {
    const text = renderDetails(status());
    assert.match(text, /\| done \| Deactivate access key AKIAAAAAAAAAAAAAAAA1 .* \| auto \| shows \\\| Inactive \|/);
    assert.match(text, /\| awaiting-approval \| Delete access key/);
  });

  it('says nothing is waiting once every step is decided, and who decided', () => {
    const decided = status();
    for (const record of decided.actions) record.decidedBy = { approver: 'sam', at: 't' };
    const text = renderDetails(decided);
    assert.doesNotMatch(text, /Waiting for you/);
    assert.match(text, /awaiting-approval \(by sam\)/);
  });

  it('offers the release Signal while the playbook is open for one, and names what cannot come back', () => {
    const contained = status();
    for (const record of contained.actions) record.status = 'done';
    Object.assign(contained, { state: 'Contained', containedAt: 't', releaseUntil: '2026-11-24T10:00:00.000Z' });
    const text = renderDetails(contained);
    assert.match(text, /Until 2026-11-24T10:00:00.000Z, send a Signal named `release`.*\n\(1 step\(s\)/);
    assert.match(text, /Irreversible \(no release brings these back\): `aws:delete-key:AKIAAAAAAAAAAAAAAAA1`/);
  });
});
