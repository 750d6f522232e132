// A realistic playbook status for the CLI's unit tests, planned by the real planner so it stays in
// step with the domain: alice's key deactivated and her sessions denied automatically, the key's
// deletion waiting for approval.
import { planActions } from '../../domain/plan.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { planRelease } from '../../domain/release.js';
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

/** The mixed-cloud incident that also holds alice's controls. */
export const OTHER_INCIDENT =
  'contain/aws/123456789012/user/alice+gcp/acme-prod/sa/etl-runner@acme-prod.iam.gserviceaccount.com';

/** Contained and open for a release; alice's deny policy is held by another incident too. */
export function sharedStatus(): PlaybookStatus {
  const contained = withAction(awaitingStatus(), DELETE, { status: 'rejected' });
  return {
    ...withAction(contained, DENY, { sharedWith: [OTHER_INCIDENT] }),
    state: 'Contained',
    sharedControls: true,
    containedAt: '2026-11-23T10:01:00.000Z',
    releaseUntil: '2026-11-24T10:01:00.000Z',
  };
}

/**
 * After a release, planned by the real release planner: the key came back, the deny stayed for the
 * other incident (the playbook's own note and `sharedWith` on the release step).
 */
export function releasedStatus(): PlaybookStatus {
  const status = sharedStatus();
  const { reversals } = planRelease(status.actions, DEFAULT_POLICY, {
    approver: 'sam@example.com',
    actions: 'all',
    severity: 'high',
    open: true,
    shared: true,
  });
  const finished = reversals.map((record): ActionRecord =>
    record.action.reverses === DENY
      ? {
          ...record,
          status: 'skipped',
          note: `kept in force: also held by ${OTHER_INCIDENT}`,
          sharedWith: [OTHER_INCIDENT],
        }
      : { ...record, status: 'done', observed: `${KEY} was Inactive` },
  );
  return { ...status, state: 'PartiallyReleased', actions: [...status.actions, ...finished] };
}
