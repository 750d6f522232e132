import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionOf, type ActionSpec } from './action.js';
import { DEFAULT_POLICY, sweepPolicyOf } from './policy.js';
import type { ActionRecord, PlaybookStatus } from './report.js';
import type { Finding, TimelineEntry, WatchHit } from './sweep.js';
import {
  containmentOf,
  findingMode,
  hitsAfterCutOff,
  sweepRequests,
  watchedCredentials,
  watchLengthMs,
  watchProof,
  watchRequests,
} from './sweep-plan.js';
import { describeFinding, sweepLines, watchAlarm } from './sweep-view.js';

const ACCOUNT = '123456789012';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0c6e2b8a-1f3d-4e59-9a7b-5d2c8e4f6a10';
const KEY = 'AKIAALICE07EXAMPLE01';
const SA = 'etl-runner@acme-prod.iam.gserviceaccount.com';
const KEY_NAME = `projects/acme-prod/serviceAccounts/${SA}/keys/0123456789abcdef0123456789abcdef`;

const done = (spec: ActionSpec, finishedAt: string, principal = 'p'): ActionRecord => ({
  action: actionOf(spec, { principal, mode: 'auto', reason: 'test', dependsOn: [] }),
  status: 'done',
  finishedAt,
});
const entry = (action: string, at = '2026-12-07T10:00:00.000Z', by = KEY): TimelineEntry => ({
  at,
  provider: 'aws',
  action,
  by,
  readOnly: false,
  eventId: `${action}-${at}`,
});
const keyTarget = { accountId: ACCOUNT, userName: 'alice', accessKeyId: KEY };

describe('the sweep plan', () => {
  it('reads each account, tenant and project the steps touch: keys by id, identities cut whole by name', () => {
    const actions = [
      done({ kind: 'aws.deactivateAccessKey', target: keyTarget }, '2026-12-07T10:00:00.000Z').action,
      done({ kind: 'aws.revokeUserSessions', target: { accountId: ACCOUNT, userName: 'alice' } }, 'x').action,
      done({ kind: 'aws.denyUserSessions', target: { accountId: ACCOUNT, userName: 'bob' } }, 'x').action,
      done(
        {
          kind: 'entra.disableServicePrincipal',
          target: { tenantId: TENANT, servicePrincipalId: 'sp', appId: APP, displayName: 'App' },
        },
        'x',
      ).action,
      done({ kind: 'gcp.disableKey', target: { projectId: 'acme-prod', email: SA, keyName: KEY_NAME } }, 'x').action,
      done({ kind: 'workspace.signOutUser', target: { domain: 'acme.example', user: 'maria@acme.example' } }, 'x')
        .action,
    ];
    const requests = sweepRequests(actions, { since: '2026-12-07T09:00:00.000Z', until: '2026-12-07T11:00:00.000Z' });
    assert.deepEqual(requests, [
      {
        provider: 'aws',
        request: {
          accountId: ACCOUNT,
          accessKeyIds: [KEY],
          // alice's key is the stolen credential, not alice: only bob, denied whole, is read by name.
          userNames: ['bob'],
          since: '2026-12-07T09:00:00.000Z',
          until: '2026-12-07T11:00:00.000Z',
        },
      },
      {
        provider: 'entra',
        request: {
          tenantId: TENANT,
          appIds: [APP],
          userIds: [],
          since: '2026-12-07T09:00:00.000Z',
          until: '2026-12-07T11:00:00.000Z',
        },
      },
      {
        provider: 'gcp',
        request: {
          projectId: 'acme-prod',
          emails: [],
          keyNames: [KEY_NAME],
          since: '2026-12-07T09:00:00.000Z',
          until: '2026-12-07T11:00:00.000Z',
        },
      },
    ]);
    const again = sweepRequests(actions.slice(0, 1), { since: 'a' }, [
      { provider: 'aws', scope: ACCOUNT, kind: 'accessKey', id: 'ASIASESSION000000001' },
      { provider: 'aws', scope: ACCOUNT, kind: 'accessKey', id: KEY },
    ]);
    assert.deepEqual(again[0]?.provider === 'aws' && again[0].request.accessKeyIds, [KEY, 'ASIASESSION000000001']);
  });

  it('turns each finding into a principal or a step, and says why when it cannot', () => {
    const aws = (kind: Finding['kind'], extra: object, action = 'CreateUser'): Finding => ({
      provider: 'aws',
      kind,
      accountId: ACCOUNT,
      from: entry(action),
      ...extra,
    });
    assert.deepEqual(containmentOf(aws('aws.user', { userName: 'backdoor' })).principal, {
      type: 'aws.user',
      accountId: ACCOUNT,
      userName: 'backdoor',
    });
    assert.deepEqual(
      containmentOf(aws('aws.access-key', { userName: 'backdoor', accessKeyId: 'AKIABACKDOOR00000001' })).principal,
      { type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIABACKDOOR00000001' },
    );
    const profile = containmentOf(aws('aws.login-profile', { userName: 'backdoor' }));
    assert.equal(profile.step?.spec.kind, 'aws.deleteLoginProfile');
    assert.equal(profile.step?.principal, `aws/${ACCOUNT}/user/backdoor`);
    assert.match(profile.step?.reason ?? '', /CreateUser by AKIA/);
    const federation = containmentOf(aws('aws.session', { userName: 'alice' }, 'GetFederationToken'));
    assert.equal(federation.step?.spec.kind, 'aws.revokeUserSessions');
    const role = containmentOf(aws('aws.session', { roleName: 'deploy' }, 'AssumeRole'));
    assert.equal(role.principal?.type, 'aws.role');
    assert.match(containmentOf(aws('aws.access-key', { accessKeyId: 'not-a-key' })).unplanned ?? '', /not an AKIA/);
    const app: Finding = {
      provider: 'entra',
      kind: 'entra.credential',
      tenantId: TENANT,
      appId: APP,
      from: entry('x'),
    };
    assert.deepEqual(containmentOf(app).principal, { type: 'entra.servicePrincipal', tenantId: TENANT, appId: APP });
    const gcpKey: Finding = {
      provider: 'gcp',
      kind: 'gcp.key',
      projectId: 'acme-prod',
      email: SA,
      keyName: KEY_NAME,
      from: entry('x'),
    };
    assert.deepEqual(containmentOf(gcpKey).principal, { type: 'gcp.key', keyName: KEY_NAME });
  });

  it('removes exactly what was added to an app or a service account, and falls back to the whole app when unnamed', () => {
    const base = { provider: 'entra' as const, tenantId: TENANT, appId: APP, applicationId: 'obj-1', from: entry('x') };
    const secret = containmentOf({ ...base, kind: 'entra.credential', credentialId: 'k-1', credentialName: 'sync' });
    assert.deepEqual(secret.step?.spec, {
      kind: 'entra.removeApplicationSecret',
      target: { tenantId: TENANT, applicationId: 'obj-1', appId: APP, keyId: 'k-1', displayName: 'sync' },
    });
    assert.equal(secret.step?.principal, `entra/${TENANT}/app/${APP}`);
    const federated = containmentOf({
      ...base,
      kind: 'entra.federated-credential',
      credentialId: 'f-1',
      credentialName: 'gh',
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:attacker/x:ref:refs/heads/main',
    });
    assert.equal(federated.step?.spec.kind, 'entra.removeFederatedCredential');
    assert.deepEqual(
      containmentOf({ ...base, kind: 'entra.federated-credential' }).principal?.type,
      'entra.servicePrincipal',
    );
    const grant = containmentOf({
      provider: 'gcp',
      kind: 'gcp.token-creator',
      projectId: 'acme-prod',
      email: SA,
      member: 'user:mallory@evil.example',
      role: 'roles/iam.serviceAccountTokenCreator',
      condition: { title: 't', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' },
      from: entry('x'),
    });
    assert.deepEqual(grant.step?.spec, {
      kind: 'gcp.removeTokenCreatorBinding',
      target: {
        projectId: 'acme-prod',
        email: SA,
        role: 'roles/iam.serviceAccountTokenCreator',
        member: 'user:mallory@evil.example',
        condition: { title: 't', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' },
      },
    });
  });

  it('makes every finding wait for a person unless the policy says its own modes hold', () => {
    const approval = sweepPolicyOf(DEFAULT_POLICY);
    assert.equal(findingMode('auto', approval), 'approval');
    assert.equal(findingMode('skip', approval), 'skip');
    assert.equal(findingMode('auto', { ...approval, findings: 'policy' }), 'auto');
  });

  it("watches what the done steps cut, each from its own step's end, and sessions whose user's sessions were revoked", () => {
    const records = [
      done({ kind: 'aws.deactivateAccessKey', target: keyTarget }, '2026-12-07T10:00:05.000Z'),
      done({ kind: 'aws.deleteAccessKey', target: keyTarget }, '2026-12-07T10:00:09.000Z'),
      done(
        { kind: 'aws.revokeUserSessions', target: { accountId: ACCOUNT, userName: 'alice' } },
        '2026-12-07T10:00:06.000Z',
      ),
      {
        ...done({ kind: 'aws.denyUserSessions', target: { accountId: ACCOUNT, userName: 'bob' } }, 'x'),
        status: 'rejected' as const,
      },
    ];
    const session: Finding = {
      provider: 'aws',
      kind: 'aws.session',
      accountId: ACCOUNT,
      userName: 'alice',
      accessKeyId: 'ASIASESSION000000001',
      from: entry('GetFederationToken'),
    };
    const watched = watchedCredentials(records, [session]);
    assert.deepEqual(
      watched.map((w) => [w.credential.id, w.since]),
      [
        [KEY, '2026-12-07T10:00:05.000Z'],
        ['ASIASESSION000000001', '2026-12-07T10:00:06.000Z'],
      ],
    );
    assert.deepEqual(
      watchRequests(watched).map((r) => [r.scope, r.since, r.credentials.length]),
      [[ACCOUNT, '2026-12-07T10:00:05.000Z', 2]],
    );
  });

  it('watches as long as the longest residual window, at least as long as the trail takes, at most watchAtMost', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (settleMin, mostMin) => {
        const sweep = { ...sweepPolicyOf(DEFAULT_POLICY), settle: `${settleMin}m`, watchAtMost: `${mostMin}m` };
        const records = [
          done({ kind: 'gcp.disableKey', target: { projectId: 'acme-prod', email: SA, keyName: KEY_NAME } }, 'x'),
        ];
        const watched = watchedCredentials(records.map((r) => ({ ...r, finishedAt: '2026-12-07T10:00:00.000Z' })));
        const length = watchLengthMs(records, watched, sweep);
        // gcp.disableKey lingers 1 h: tokens minted from the key live that long.
        assert.equal(length, Math.min(Math.max(60, settleMin), mostMin) * 60_000);
      }),
    );
  });

  it("counts a call only after its own credential's cut-off", () => {
    const watched = watchedCredentials([
      done({ kind: 'aws.deactivateAccessKey', target: keyTarget }, '2026-12-07T10:00:05.000Z'),
      done(
        { kind: 'aws.deactivateAccessKey', target: { ...keyTarget, accessKeyId: 'AKIALATER00000000001' } },
        '2026-12-07T10:00:30.000Z',
      ),
    ]);
    const hit = (id: string, at: string): WatchHit => ({
      credential: { provider: 'aws', scope: ACCOUNT, kind: 'accessKey', id },
      entry: entry('GetUser', at, id),
      refused: false,
    });
    const hits = [
      hit(KEY, '2026-12-07T10:00:04.000Z'),
      hit(KEY, '2026-12-07T10:00:06.000Z'),
      hit('AKIALATER00000000001', '2026-12-07T10:00:06.000Z'),
      hit('AKIAUNWATCHED0000001', '2026-12-07T10:01:00.000Z'),
    ];
    assert.deepEqual(
      hitsAfterCutOff(hits, watched).map((h) => [h.credential.id, h.entry.at]),
      [[KEY, '2026-12-07T10:00:06.000Z']],
    );
  });

  it('closes with the proof, and says when a read fell short', () => {
    const watched = watchedCredentials([
      done({ kind: 'aws.deactivateAccessKey', target: keyTarget }, '2026-12-07T10:00:05.000Z'),
    ]);
    assert.equal(
      watchProof(watched, '2026-12-07T11:00:05.000Z', { count: 0, refused: 0 }),
      `No use of these credentials after 2026-12-07T10:00:05.000Z, watched until 2026-12-07T11:00:05.000Z: access key ${KEY}.`,
    );
    assert.match(
      watchProof(watched, 'T', { count: 2, refused: 1 }, ['CloudTrail throttled']),
      /^2 uses of these credentials after the cut-off \(1 not refused\).*not everything could be read: CloudTrail throttled/,
    );
  });

  it('shows the breach first, then the findings, the timeline and the watch', () => {
    const status = {
      watch: {
        state: 'watching',
        credentials: watchedCredentials([done({ kind: 'aws.deactivateAccessKey', target: keyTarget }, 'T')]),
        cutOff: 'T',
        until: 'U',
        polls: 3,
        hits: [],
        hitCount: 2,
        refusedCount: 1,
        seen: [],
      },
      sweep: {
        state: 'swept',
        rounds: 1,
        reads: [{ provider: 'aws', scope: ACCOUNT, round: 1, at: 'T', lookups: 2, events: 3, findings: 1 }],
        timeline: [entry('CreateUser')],
        timelineCount: 1,
        findings: [
          {
            finding: {
              provider: 'aws',
              kind: 'aws.user',
              accountId: ACCOUNT,
              userName: 'backdoor',
              from: entry('CreateUser'),
            },
            outcome: 'principal',
            ref: `aws/${ACCOUNT}/user/backdoor`,
          },
        ],
        findingCount: 1,
      },
    } as unknown as PlaybookStatus;
    assert.match(watchAlarm(status) ?? '', /^CONTAINMENT BREACHED: 1 call/);
    const sections = sweepLines(status);
    assert.deepEqual(
      sections.map((s) => s.heading),
      [
        'Sweep (swept)',
        'Found (1): what the credentials left behind',
        'Timeline (1): what the credentials did',
        'Watch (watching)',
      ],
    );
    assert.match(sections[1]?.lines[0] ?? '', /^new IAM user backdoor — contained as a principal/);
    assert.equal(describeFinding(status.sweep?.findings[0]?.finding as Finding), 'new IAM user backdoor');
  });
});
