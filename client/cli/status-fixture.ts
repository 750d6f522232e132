// A realistic playbook status for the CLI's unit tests, planned by the real planner so it stays in
// step with the domain: alice's key deactivated and her sessions denied automatically, the key's
// deletion waiting for approval.
import { triageCard, type TriageCard } from '../../domain/card.js';
import type { AwsUserDiscovery } from '../../domain/discovery.js';
import { planActions } from '../../domain/plan.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { planRelease } from '../../domain/release.js';
import type { ActionRecord, PlaybookStatus, Report } from '../../domain/report.js';
import type { PlaybookSummary } from './commands.js';

export const WORKFLOW_ID = 'contain/aws/123456789012/user/alice';
export const KEY = 'AKIAAAAAAAAAAAAAAAA1';
export const DEACTIVATE = `aws:deactivate-key:${KEY}`;
export const DELETE = `aws:delete-key:${KEY}`;
export const DENY = 'aws:deny-user-sessions:123456789012/alice';
const ALICE_KEY = 'aws/123456789012/user/alice';

/** What AWS discovery read of alice: her key, its last use, her policies and her group's. */
const ALICE_DISCOVERY: AwsUserDiscovery = {
  type: 'aws.user',
  accountId: '123456789012',
  userName: 'alice',
  arn: 'arn:aws:iam::123456789012:user/alice',
  accessKeys: [
    {
      accessKeyId: KEY,
      status: 'Active',
      lastUsed: { at: '2026-11-23T09:58:41Z', region: 'eu-west-1', service: 's3' },
    },
  ],
  policies: { attached: ['AdministratorAccess'], inline: [] },
  groups: [{ groupName: 'data-engineers', attached: ['AmazonS3FullAccess'], inline: ['ReadBillingReports'] }],
};

/** alice's triage card, as triage fills it (domain/card.ts). */
export const ALICE_CARD: TriageCard = triageCard(ALICE_DISCOVERY);

export function awaitingStatus(): PlaybookStatus {
  const actions = planActions({
    severity: 'high',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal: 'aws/123456789012/user/alice',
        discovery: ALICE_DISCOVERY,
      },
    ],
  });
  const records = actions.map((action): ActionRecord => {
    if (action.mode === 'approval') return { action, status: 'awaiting-approval' };
    return {
      action,
      status: 'done',
      startedAt: '2026-11-23T10:00:01.000Z',
      finishedAt: '2026-11-23T10:00:02.000Z',
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
    principals: [
      {
        key: 'aws/123456789012/user/alice',
        label: 'IAM user alice (123456789012)',
        status: 'examined',
        card: ALICE_CARD,
      },
    ],
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

/**
 * A dry run's report as the workflow returns it, planned by the real planner: alice's key and
 * sessions read, ci-deployer allowlisted, bob unreadable.
 */
export function rehearsal(found: { keyActive?: boolean; denyInPlace?: boolean; fourEyes?: number } = {}): Report {
  const { keyActive = true, denyInPlace = false } = found;
  const actions = planActions({
    severity: 'medium',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal: ALICE_KEY,
        discovery: {
          type: 'aws.user',
          accountId: '123456789012',
          userName: 'alice',
          accessKeys: [{ accessKeyId: KEY, status: keyActive ? 'Active' : 'Inactive' }],
        },
      },
    ],
  });
  const records = actions.map((action): ActionRecord => {
    const changes = action.kind === 'aws.denyUserSessions' ? !denyInPlace : keyActive;
    const current =
      action.kind === 'aws.denyUserSessions'
        ? denyInPlace
          ? 'GetUserPolicy RevokerContainment on alice denies * on *'
          : 'alice carries no deny-all RevokerContainment policy'
        : `ListAccessKeys for alice shows ${KEY} ${keyActive ? 'Active' : 'Inactive'}`;
    return { action, status: 'previewed', preview: { changes, current } };
  });
  return {
    workflowId: `dry-run/aws/123456789012/user/alice/test`,
    dryRun: true,
    state: 'DryRun',
    severity: 'medium',
    alerts: [
      {
        source: 'splunk',
        id: 'tour-0001',
        title: "GetFederationToken from an unfamiliar ASN with alice's access key",
        severity: 'medium',
        observedAt: '2026-11-23T09:14:00Z',
        receivedAt: '2026-11-23T10:00:00.000Z',
      },
    ],
    principals: [{ key: ALICE_KEY, label: 'IAM user alice (123456789012)', status: 'examined' }],
    actions: records,
    decisions: [],
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:00:01.000Z',
    summary: '',
    residualRisks: [],
    irreversible: [],
  };
}

export function withOthers(report: Report): Report {
  return {
    ...report,
    principals: [
      ...report.principals,
      {
        key: 'aws/123456789012/user/ci-deployer',
        label: 'IAM user ci-deployer (123456789012)',
        status: 'allowlisted',
        allowlistReason: 'CI/CD deployers use keys from new runners',
      },
      {
        key: 'aws/123456789012/user/bob',
        label: 'IAM user bob (123456789012)',
        status: 'failed',
        error: { type: 'NoSuchEntity', message: 'The user with name bob cannot be found.' },
      },
    ],
  };
}

/** The handle `awaitingStatus` gets in `incidentStatus`. */
export const HANDLE = 'INC-7F3K2Q';

/** alice's incident as a run with handles shows it: the id a keyed hash (`contain/p.…`), the handle beside it. */
export function incidentStatus(): PlaybookStatus {
  return { ...awaitingStatus(), workflowId: ENCRYPTED_ID, handle: HANDLE };
}

const ENCRYPTED_ID = 'contain/p.0f3kq7c2m9x4v8b1n6z5t0w3y7r2h9d4';

/**
 * A second incident, about an Entra user whose name and the alert's title are Japanese (each character two
 * columns wide): planned by the real planner for a medium alert, so every step waits for approval.
 */
export function entraStatus(): PlaybookStatus {
  const principal = 'entra/contoso.onmicrosoft.com/user/6f1c2b7e-3d4a-4c8e-9b1f-2a7d5e9c0b31';
  const actions = planActions({
    severity: 'medium',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal,
        discovery: {
          type: 'entra.user',
          tenantId: 'contoso.onmicrosoft.com',
          userId: '6f1c2b7e-3d4a-4c8e-9b1f-2a7d5e9c0b31',
          userPrincipalName: 'yamada@contoso.co.jp',
          accountEnabled: true,
        },
      },
    ],
  });
  return {
    workflowId: ENTRA_ID,
    handle: 'INC-2M8W4R',
    state: 'AwaitingApproval',
    severity: 'medium',
    alerts: [
      {
        source: 'sentinel',
        id: 'f1c9e2d4-5b7a-4e11-9c3d-7a2b6e8f0d13',
        title: '東京リージョンから不審なサインイン 🚨 (impossible travel)',
        severity: 'medium',
        observedAt: '2026-11-23T09:40:00Z',
        receivedAt: '2026-11-23T09:41:02.000Z',
      },
    ],
    principals: [{ key: principal, label: 'Entra user 山田太郎 (yamada@contoso.co.jp)', status: 'examined' }],
    actions: actions.map((action): ActionRecord => ({ action, status: 'awaiting-approval' })),
    decisions: [],
    startedAt: '2026-11-23T09:41:02.000Z',
  };
}

const ENTRA_ID = 'contain/p.9a1s7d3f5g0h2j4k6l8z1x3c5v7b9n0m';

/** What `revoker list` reads: alice's incident, the Entra one, and one started before handles existed. */
export function playbookSummaries(): PlaybookSummary[] {
  return [
    {
      workflowId: ENCRYPTED_ID,
      handle: HANDLE,
      execution: 'Running',
      state: 'AwaitingApproval',
      severity: 'high',
      startTime: new Date('2026-11-23T10:00:00.000Z'),
      principals: ['IAM user alice (123456789012)'],
    },
    {
      workflowId: ENTRA_ID,
      handle: 'INC-2M8W4R',
      execution: 'Running',
      state: 'AwaitingApproval',
      severity: 'medium',
      startTime: new Date('2026-11-23T09:41:02.000Z'),
      principals: ['Entra user 山田太郎 (yamada@contoso.co.jp)'],
    },
    {
      workflowId: 'contain/aws/123456789012/user/ci-deployer',
      execution: 'Running',
      state: 'Contained',
      severity: 'medium',
      startTime: new Date('2026-11-22T17:12:45.000Z'),
      principals: ['IAM user ci-deployer (123456789012)'],
    },
  ];
}
