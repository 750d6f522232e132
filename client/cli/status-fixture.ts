// A realistic playbook status for the CLI's unit tests, planned by the real planner so it stays in
// step with the domain: alice's key deactivated and her sessions denied automatically, the key's
// deletion waiting for approval.
import { planActions } from '../../domain/plan.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import type { ActionRecord, PlaybookStatus } from '../../domain/report.js';

export const WORKFLOW_ID = 'contain/aws/123456789012/user/alice';
export const KEY = 'AKIAAAAAAAAAAAAAAAA1';
export const DEACTIVATE = `aws:deactivate-key:${KEY}`;
export const DELETE = `aws:delete-key:${KEY}`;
export const DENY = 'aws:deny-user-sessions:123456789012/alice';

export function awaitingStatus(): PlaybookStatus {
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
          accessKeys: [{ accessKeyId: KEY, status: 'Active' }],
        },
      },
    ],
  });
  const records = actions.map((action): ActionRecord => {
    if (action.mode === 'approval') return { action, status: 'awaiting-approval' };
    return {
      action,
      status: 'done',
      verification: { ok: true, evidence: `${action.id} verified`, checkedAt: '2026-11-23T10:00:03.000Z' },
    };
  });
  return {
    workflowId: WORKFLOW_ID,
    state: 'AwaitingApproval',
    severity: 'high',
    alerts: [
      {
        source: 'splunk',
        id: 'notable-42',
        title: 'Access key used from a new ASN',
        severity: 'high',
        observedAt: '2026-11-23T09:59:00Z',
        receivedAt: '2026-11-23T10:00:00.000Z',
      },
    ],
    principals: [{ key: 'aws/123456789012/user/alice', label: 'IAM user alice (123456789012)', status: 'examined' }],
    actions: records,
    decisions: [],
    startedAt: '2026-11-23T10:00:00.000Z',
  };
}

/** A copy of `status` with one action changed, as the workflow would publish it. */
export function withAction(status: PlaybookStatus, id: string, change: Partial<ActionRecord>): PlaybookStatus {
  return {
    ...status,
    actions: status.actions.map((r) => (r.action.id === id ? { ...r, ...change } : r)),
  };
}
